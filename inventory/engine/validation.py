"""Data-quality checks of engine inputs: which rows are unusable, and why.

A bad row never raises: it gets reason codes, and a blocking reason makes only that row's
outputs NaN. Before the maths runs, blocked rows get harmless stand-in values so that no
warning or NaN leaks from them into vectorized reductions.
"""

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from inventory.engine.flags import BLOCKING, Reason
from inventory.engine.inputs import PolicyInputs

SERVICE_TYPES = ("cycle", "fill")
DISTRIBUTIONS = ("auto", "normal", "poisson", "negbin", "empirical")

# Values a blocked row computes with; its outputs are overwritten with NaN afterwards.
_STAND_IN = {
    "demand_mean": 1.0,
    "demand_sd": 0.0,
    "lead_time_mean": 1.0,
    "lead_time_sd": 0.0,
    "review_period": 0.0,
    "service_level": 0.5,
    "unit_cost": 1.0,
    "holding_rate": 0.2,
    "order_cost": 0.0,
    "periods_per_year": 52.0,
    "moq": 0.0,
    "lot_size": 1.0,
    "case_pack": 1.0,
    "shelf_life": np.inf,
    "max_stock": np.inf,
    "max_order": np.inf,
    "on_hand": 0.0,
    "on_order": 0.0,
    "allocated": 0.0,
    "backordered": 0.0,
}


def _bad(values: NDArray, *, minimum: float = 0.0, strict: bool = False) -> NDArray[np.bool_]:
    """NaN, or below ``minimum`` (or not above it when ``strict``)."""
    with np.errstate(invalid="ignore"):
        low = values <= minimum if strict else values < minimum
    return np.isnan(values) | low


def data_quality_reasons(x: PolicyInputs) -> NDArray[np.uint32]:
    """Reason mask per row for every input problem the engine recognises."""
    checks = [
        (np.isnan(x.demand_mean), Reason.DEMAND_MISSING),
        (x.demand_mean < 0, Reason.DEMAND_NEGATIVE),
        (_bad(x.demand_sd) | np.isinf(x.demand_sd), Reason.DEMAND_SD_INVALID),
        (_bad(x.lead_time_mean) | np.isinf(x.lead_time_mean), Reason.LEAD_TIME_INVALID),
        (_bad(x.lead_time_sd) | np.isinf(x.lead_time_sd), Reason.LEAD_TIME_SD_INVALID),
        (_bad(x.review_period) | np.isinf(x.review_period), Reason.REVIEW_PERIOD_INVALID),
        (_bad(x.service_level, strict=True) | ~(x.service_level < 1), Reason.SERVICE_LEVEL_INVALID),
        (~np.isin(x.service_type, SERVICE_TYPES), Reason.SERVICE_TYPE_INVALID),
        (~np.isin(x.demand_distribution, DISTRIBUTIONS), Reason.DISTRIBUTION_INVALID),
        (_cost_invalid(x), Reason.COST_INVALID),
        (_constraints_invalid(x), Reason.CONSTRAINT_INVALID),
        (_position_invalid(x), Reason.POSITION_INVALID),
        (x.on_hand < 0, Reason.NEGATIVE_ON_HAND),
    ]
    reasons = np.zeros(len(x), np.uint32)
    with np.errstate(invalid="ignore"):
        for condition, reason in checks:
            reasons[condition] |= np.uint32(reason)
    return reasons


def _cost_invalid(x: PolicyInputs) -> NDArray[np.bool_]:
    """Inputs of the EOQ: unit cost, holding rate and periods per year > 0, order cost ≥ 0."""
    return (
        _bad(x.unit_cost, strict=True)
        | _bad(x.holding_rate, strict=True)
        | _bad(x.order_cost)
        | _bad(x.periods_per_year, strict=True)
        | np.isinf(x.unit_cost + x.holding_rate + x.order_cost + x.periods_per_year)
    )


def _constraints_invalid(x: PolicyInputs) -> NDArray[np.bool_]:
    """MOQ ≥ 0 and finite; lot size, case pack > 0 and finite; shelf life, capacity and the
    most one order may be > 0."""
    return (
        _bad(x.moq)
        | np.isinf(x.moq)
        | _bad(x.lot_size, strict=True)
        | np.isinf(x.lot_size)
        | _bad(x.case_pack, strict=True)
        | np.isinf(x.case_pack)
        | _bad(x.shelf_life, strict=True)
        | _bad(x.max_stock, strict=True)
        | _bad(x.max_order, strict=True)
    )


def _position_invalid(x: PolicyInputs) -> NDArray[np.bool_]:
    """Stock figures that are missing (on hand may be negative; the rest may not)."""
    return (
        np.isnan(x.on_hand)
        | np.isinf(x.on_hand)
        | _bad(x.on_order)
        | _bad(x.allocated)
        | _bad(x.backordered)
        | np.isinf(x.on_order + x.allocated + x.backordered)
    )


def blocked_rows(reasons: NDArray[np.uint32]) -> NDArray[np.bool_]:
    """Rows whose policy cannot be computed."""
    return (reasons & np.uint32(BLOCKING)) != 0


def with_stand_ins(x: PolicyInputs, rows: NDArray[np.bool_], *names: str) -> PolicyInputs:
    """``x`` with harmless values in ``rows`` for the named (or all) fields; ``x`` itself
    when no row needs them."""
    if not rows.any():
        return x
    stand_ins = {**_STAND_IN, "service_type": "cycle", "demand_distribution": "normal"}
    values = {}
    for name in names or tuple(stand_ins):
        values[name] = getattr(x, name).copy()
        values[name][rows] = stand_ins[name]
    return replace(x, **values)
