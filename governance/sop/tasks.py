"""django-q2 entry points of the S&OP cycle: keep the scorecard's evidence fresh, so that no
page waits for a whole-network evaluation (seconds at a million SKU-locations)."""

from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from governance.choices import SopCycleStatus
from governance.selectors import LocationScope
from governance.sop.diagnostic import diagnostic_evidence
from governance.sop.models import SopCycle
from governance.sop.scorecard import exception_backlog, kpi_trends

SCHEDULE_NAME = "Scorecard evidence"
SCHEDULE_TASK = "governance.sop.tasks.scorecard_evidence_task"
SCHEDULE_MINUTES = 4
"""Within both reuse windows (the evidence's 10 minutes, the backlog's 5), so a page finds
them fresh."""


def scorecard_evidence_task() -> str:
    """Read afresh, for the whole network, the diagnostic evidence and KPI trends of every
    open cycle and the exception backlog, and keep them in the shared cache for the pages."""
    scope = LocationScope(whole_network=True)
    cycles = list(SopCycle.objects.filter(status=SopCycleStatus.OPEN))
    for cycle in cycles:
        diagnostic_evidence(cycle=cycle, scope=scope)
        kpi_trends(scope=scope, month=cycle.month)
    exception_backlog(scope=scope)
    return (
        f"Scorecard evidence and KPI trends of {len(cycles)} open cycle(s) and the backlog "
        "read afresh."
    )


def scorecard_schedule_ensure(**kwargs: Any) -> None:
    """post_migrate receiver: the django-q2 schedule of :func:`scorecard_evidence_task`,
    created once (a schedule changed or paused in the admin is left as it is)."""
    from django_q.models import Schedule

    Schedule.objects.using(kwargs.get("using", DEFAULT_DB_ALIAS)).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": SCHEDULE_TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": SCHEDULE_MINUTES,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=1),
        },
    )


def shared_cache_table_ensure(**kwargs: Any) -> None:
    """post_migrate receiver: the table of the shared cache (settings.CACHES), so that
    ``migrate`` alone readies a new database (idempotent; nothing for a non-database cache)."""
    call_command("createcachetable", database=kwargs.get("using", DEFAULT_DB_ALIAS), verbosity=0)
