"""django-q2 entry point of KPI refreshes (the record is ours; the queue only delivers)."""

from governance.kpis.models import KpiRefresh
from governance.kpis.services import kpi_refresh_run


def kpi_refresh_task(refresh_id: int) -> str:
    """Compute one queued KPI refresh."""
    refresh = kpi_refresh_run(refresh=KpiRefresh.objects.get(pk=refresh_id))
    return f"KPI refresh #{refresh.pk}: {refresh.status}, {refresh.cells_written} cells"
