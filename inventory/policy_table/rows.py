"""A policy table row as the page shows it: every figure formatted once in Python (a page of
50 rows through template filters and includes cost several times more)."""

from django.urls import reverse

from governance.models import PolicyProposal
from inventory.models import PolicyRecommendation
from inventory.policy_table.selectors import STATUS_WORDS, row_status
from inventory.reasons import reason_text
from sop_platform.display import money, percent, units

REASON_KINDS = (
    ("stockout", "stockout_reasons"),
    ("excess", "excess_reasons"),
    ("data", "data_quality_reasons"),
)


def _value(rec: PolicyRecommendation, proposal: PolicyProposal | None, name: str) -> dict:
    policy = rec.policy
    return {
        "active": None if policy is None else units(getattr(policy, name)),
        "recommended": units(getattr(rec, name)),
        "proposed": None if proposal is None else units(getattr(proposal, name)),
    }


def _min_max(source) -> str:
    return f"{units(source.min_level)} / {units(source.max_level)}"


def table_row(rec: PolicyRecommendation, proposal: PolicyProposal | None, *, back: str) -> dict:
    """The figures, links and words of one row; ``back`` is the page to return to."""
    status = row_status(rec)
    change = rec.change_value
    sku_location = reverse("inventory:sku-location", args=[rec.item_id, rec.location_id])
    override = reverse("inventory:run-recommendation-propose", args=[rec.run_id, rec.pk])
    return {
        "rec": rec,
        "proposal": proposal,
        "status": status,
        "status_words": STATUS_WORDS[status],
        "sku_location_url": sku_location,
        "override_url": f"{override}?next={back}",
        "target": percent(rec.service_target),
        "expected": percent(rec.expected_service),
        "values": [
            _value(rec, proposal, name)
            for name in ("safety_stock", "reorder_point", "order_quantity")
        ],
        "min_max": {
            "active": None if rec.policy is None else _min_max(rec.policy),
            "recommended": _min_max(rec),
            "proposed": None if proposal is None else _min_max(proposal),
        },
        "change_units": None if rec.change_units is None else units(rec.change_units),
        "change_value": money(change, signed=True),
        "change_direction": "" if not change else ("up" if change > 0 else "down"),
        "reasons": [
            (kind, code, reason_text(code))
            for kind, field in REASON_KINDS
            for code in getattr(rec, field)
        ],
    }
