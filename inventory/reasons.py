"""Reason codes and binding order constraints in plain words, as pages show them (the code
itself goes in a tooltip). No Django import: the engine's explanations use it too."""

REASON_TEXT: dict[str, str] = {
    "DEMAND_MISSING": "No demand history or forecast to compute from",
    "DEMAND_NEGATIVE": "Mean demand is negative",
    "DEMAND_SD_INVALID": "Demand variability is missing or negative",
    "LEAD_TIME_INVALID": "Lead time is missing or not positive",
    "LEAD_TIME_SD_INVALID": "Lead-time variability is missing or negative",
    "REVIEW_PERIOD_INVALID": "Review period is negative",
    "SERVICE_LEVEL_INVALID": "Service target is not between 0 and 100 %",
    "SERVICE_TYPE_INVALID": "Service type is neither cycle service nor fill rate",
    "DISTRIBUTION_INVALID": "Demand distribution is unknown",
    "COST_INVALID": "Unit, holding or order cost is missing or negative",
    "CONSTRAINT_INVALID": "MOQ, lot size, case pack, shelf life or capacity is invalid",
    "POSITION_INVALID": "Stock record is incomplete: no order recommended",
    "NEGATIVE_ON_HAND": "On hand is negative in the stock record",
    "ORDER_CONSTRAINTS_CONFLICT": "MOQ or order multiple does not fit shelf life or capacity",
    "POSITION_BELOW_SAFETY_STOCK": "Stock on hand and on order is below safety stock",
    "ON_HAND_BELOW_LEAD_TIME_DEMAND": "On hand does not cover demand over the lead time",
    "ON_HAND_ABOVE_MAX_PLUS_COVER": "On hand is above max plus the excess cover",
    "ON_HAND_BEYOND_SHELF_LIFE": "On hand will not sell within its shelf life",
    "RETURNS_IN_HISTORY": "Returns (negative periods) were left out of the demand",
    "LEAD_TIME_PROMISED": "Lead time is the supplier's promise, not measured receipts",
    # Raised by the escalation rules (governance.escalations.rules)
    "DAYS_ON_HAND_ABOVE_TARGET": "Days on hand above target beyond the rule's share",
    "FORECAST_ABOVE_DEMAND": "Forecast above demand beyond the rule's bias",
    "FORECAST_BELOW_DEMAND": "Forecast below demand beyond the rule's bias",
    "SERVICE_BELOW_TARGET": "Service below the policy's target",
    "RECEIPTS_LATE": "Receipts later than promised beyond the rule's share of the lead time",
    "RECEIPTS_EARLY": "Receipts earlier than promised beyond the rule's share of the lead time",
}


def reason_text(code: str) -> str:
    """The plain words for ``code``; an unknown code as itself, lower case with spaces."""
    return REASON_TEXT.get(code, code.replace("_", " ").capitalize())


BINDING_TEXT: dict[str, str] = {
    "none": "No constraint: the economic quantity is already a valid order",
    "moq": "Raised to the supplier's minimum order quantity (MOQ)",
    "multiple": "Rounded up to a whole number of lots and case packs",
    "max_qty": "Cut to a cap",
    "shelf_life": "Capped so the stock sells within its shelf life",
    "capacity": "Cut to a capacity: the lane's per period or the location's storage",
    "infeasible": "MOQ and multiples cannot fit the shelf-life or capacity cap: the MOQ-valid "
    "quantity is kept",
}
"""Which order constraint set an order quantity (``binding_constraint``)."""


def binding_text(code: str) -> str:
    """The plain words for a binding constraint code; an unknown code as itself."""
    return BINDING_TEXT.get(code, code)
