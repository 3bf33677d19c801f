"""The scorecard of a cycle as plain JSON data: what the page shows while the cycle is open,
and what the sign-off stores (``SopCycle.summary``), so a closed cycle shows what was signed
off rather than a re-evaluation."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from governance.selectors import LocationScope
from governance.sop.diagnostic import AreaResult, diagnostic_evaluate
from governance.sop.models import ScorecardArea, SopCycle
from governance.sop.scorecard import BACKLOG_MAX_AGE, exception_backlog, kpi_trends

SUMMARY_FORMAT = 1  # raised when the stored shape changes, so old summaries can be told apart


def scorecard_summary(
    *,
    cycle: SopCycle,
    scope: LocationScope,
    areas: list[ScorecardArea] | None = None,
    max_age: int = 0,
) -> dict[str, Any]:
    """The cycle's scorecard within ``scope``: the diagnostic (score, maturity level, actions,
    per area its score and RAG, each check's answer, evidence and manual answer; see
    ``Diagnostic.as_json``), the scorecard rows
    (observation, decision needed, owner, due date), the KPI trends and the exception backlog.
    ``areas``: the cycle's scorecard rows when the caller has them (with their owners);
    ``max_age``: how old the diagnostic's evidence may be, in seconds (pages reuse it for a
    while; a sign-off reads afresh)."""
    diagnostic = diagnostic_evaluate(cycle=cycle, scope=scope, max_age=max_age)
    if areas is None:
        areas = list(cycle.areas.select_related("owner"))
    rows = {row.area: row for row in areas}
    return {
        "format": SUMMARY_FORMAT,
        "month": cycle.month.isoformat(),
        "evaluated_at": timezone.now().isoformat(),
        "whole_network": scope.whole_network,
        "diagnostic": diagnostic.as_json(),
        "rows": [_row(area, rows.get(area.area)) for area in diagnostic.areas],
        "kpis": kpi_trends(scope=scope, month=cycle.month, max_age=max_age and BACKLOG_MAX_AGE),
        "backlog": exception_backlog(scope=scope, max_age=max_age and BACKLOG_MAX_AGE),
    }


def summary_evaluated_at(summary: dict[str, Any]) -> datetime | None:
    """When a summary was evaluated (an aware datetime), None for an empty one."""
    stamp = summary.get("evaluated_at")
    return datetime.fromisoformat(stamp) if stamp else None


def _row(area: AreaResult, row: ScorecardArea | None) -> dict[str, Any]:
    """One area of the scorecard: the diagnostic's score and RAG, and what the executives
    wrote on it."""
    owner = row.owner if row is not None else None
    return {
        "area": str(area.area),
        "label": area.label,
        "score": area.score,
        "share": area.share,
        "rag": area.rag,
        "observation": row.observation if row else "",
        "decision_needed": row.decision_needed if row else "",
        "owner": (owner.get_full_name() or owner.get_username()) if owner else "",
        "due_date": row.due_date.isoformat() if row and row.due_date else None,
    }
