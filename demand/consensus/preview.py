"""The plan page's policy preview: the levels the SKU-location's latest recommendation has,
beside the levels a run would set with the plan as typed
(``inventory.runs.forecast_preview.policy_preview``, the runs' own computation)."""

import math
from collections.abc import Mapping
from datetime import date

from demand.consensus.selectors import ConsensusPlan
from inventory.models import PolicyRecommendation
from inventory.runs.forecast_preview import PreviewError, policy_preview
from sop_platform.display import units

LEVELS = (
    ("safety_stock", "Safety stock"),
    ("reorder_point", "Reorder point"),
    ("max_level", "Max / order-up-to"),
    ("recommended_qty", "Order now"),
)


def plan_preview(
    *,
    recommendation: PolicyRecommendation | None,
    plan: ConsensusPlan,
    typed: Mapping[date, float],
) -> dict:
    """JSON of the preview: per level its label, the recommendation's value and the value
    with the plan (``typed`` quantities over the plan in force; a period without either
    keeps the forecast the run read), as numbers and as the page shows them."""
    if recommendation is None or recommendation.blocked:
        return {
            "available": False,
            "message": "No policy to preview: no optimization run has planned this "
            "SKU-location yet, or a data-quality exception blocks its recommendation.",
        }
    starts = [period.start for period in plan.periods]
    values = [typed.get(p.start, math.nan if p.plan is None else p.plan) for p in plan.periods]
    try:
        levels = policy_preview(recommendation, values, starts)
    except PreviewError as error:
        return {"available": False, "message": f"No preview: {error}"}
    rows = []
    for name, label in LEVELS:
        current, preview = getattr(recommendation, name), levels[name]
        rows.append(
            {
                "field": name,
                "label": label,
                "current": current,
                "preview": preview,
                "current_text": units(current),
                "preview_text": units(preview),
            }
        )
    return {"available": True, "run": recommendation.run_id, "levels": rows}
