"""A finished run in a few figures: what was planned, of which demand patterns, at what
safety-stock value, and what was blocked and why (for commands and reports)."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, FloatField, QuerySet, Sum
from django.db.models.functions import Cast

from governance.choices import OPEN_EXCEPTION_STATUSES
from governance.models import PlanningException
from inventory.engine.flags import BLOCKING, reason_codes
from inventory.runs.models import PolicyRecommendation, PolicyRun

BLOCKING_REASONS = frozenset(reason_codes(int(BLOCKING)))


@dataclass(frozen=True)
class RunSummary:
    """Counts per value are sorted by count, largest first. Money in the company currency."""

    sku_locations: int  # in scope when the run was planned
    recommendations: int
    patterns: dict[str, int]  # demand pattern → recommendations
    segments: dict[str, int]  # ABC-XYZ class → recommendations
    safety_stock_value: float  # Σ safety stock × unit cost (rows with both)
    blocked: int
    blocked_reasons: dict[str, int]  # blocking data-quality reason → rows it blocks
    exceptions: dict[str, int]  # kind → exceptions left open by this run


def run_summary(*, run: PolicyRun) -> RunSummary:
    """The figures of ``run``, in five queries whatever its size."""
    rows = PolicyRecommendation.objects.filter(run=run)
    totals = rows.aggregate(
        count=Count("pk"),
        value=Sum(F("safety_stock") * Cast("item__unit_cost", FloatField())),
    )
    blocked = Counter()
    blocked_rows = 0
    for reasons in rows.filter(blocked=True).values_list("data_quality_reasons", flat=True):
        blocked_rows += 1
        blocked.update(set(reasons) & BLOCKING_REASONS)
    exceptions = PlanningException.objects.filter(last_run=run, status__in=OPEN_EXCEPTION_STATUSES)
    return RunSummary(
        sku_locations=run.total_rows,
        recommendations=totals["count"],
        patterns=_counts(rows, "demand_pattern"),
        segments=_counts(rows, "segment"),
        safety_stock_value=totals["value"] or 0.0,
        blocked=blocked_rows,
        blocked_reasons=dict(sorted(blocked.items(), key=lambda kv: (-kv[1], kv[0]))),
        exceptions=_counts(exceptions, "kind"),
    )


def _counts(queryset: QuerySet, field: str) -> dict[str, int]:
    grouped = queryset.values_list(field).annotate(n=Count("pk")).order_by("-n", field)
    return {value or "(none)": n for value, n in grouped}
