"""Single-echelon policies for every SKU-location of a batch: safety stock, reorder point,
order quantity, min/max or order-up-to level, recommended order and risk flags.

Continuous review (s, Q) when ``review_period`` is 0, periodic review (R, S) otherwise.
Every formula, its units and its source are in docs/engine.md.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from inventory.engine.demand import lead_time_demand
from inventory.engine.discrete import (
    discrete_cdf,
    discrete_cycle_level,
    discrete_fill_level,
    discrete_loss,
)
from inventory.engine.flags import Reason, flag
from inventory.engine.inputs import PolicyInputs, PolicyResult
from inventory.engine.lot_sizing import eoq, round_order_quantity
from inventory.engine.normal import cycle_service_factor, fill_rate_factor, normal_loss
from inventory.engine.validation import blocked_rows, data_quality_reasons, with_stand_ins

# 'auto' switches from the normal to a discrete distribution when the mean demand over the
# protection interval is below this many units; Poisson while variance ≤ 1.1 × mean.
DISCRETE_MEAN_LIMIT = 20.0
POISSON_DISPERSION_LIMIT = 1.1
DEFAULT_EXCESS_COVER_PERIODS = 4.0


@dataclass
class _Protection:
    """Demand over the protection interval and how the levels are set."""

    mean: NDArray[np.float64]
    sd: NDArray[np.float64]
    discrete: NDArray[np.bool_]
    poisson: NDArray[np.bool_]
    distribution: NDArray[np.str_]
    fill: NDArray[np.bool_]


def compute_policies(
    inputs: PolicyInputs, *, excess_cover_periods: float = DEFAULT_EXCESS_COVER_PERIODS
) -> PolicyResult:
    """The whole policy for every row of ``inputs``; bad rows get NaN outputs and reasons."""
    dq = data_quality_reasons(inputs)
    blocked = blocked_rows(dq)
    x = with_stand_ins(inputs, blocked)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        protection = _protection(x)
        quantity, binding, conflict = _order_quantity(x, protection)
        levels = _levels(x, protection, quantity)
        position = _recommendation(x, with_stand_ins(inputs, blocked | _no_position(dq)), levels)
        result = PolicyResult(
            **levels,
            **position,
            binding_constraint=binding,
            ltd_mean=protection.mean,
            ltd_sd=protection.sd,
            distribution=protection.distribution,
            stockout_reasons=np.zeros(len(x), np.uint32),
            excess_reasons=np.zeros(len(x), np.uint32),
            data_quality_reasons=dq | flag(conflict, Reason.ORDER_CONSTRAINTS_CONFLICT),
        )
        _flag_risks(result, x, excess_cover_periods, _no_position(dq) | blocked)
    return _blank(result, blocked, _no_position(dq))


def _no_position(dq: NDArray[np.uint32]) -> NDArray[np.bool_]:
    return (dq & np.uint32(Reason.POSITION_INVALID)) != 0


def _protection(x: PolicyInputs) -> _Protection:
    """Lead-time demand over L + R and the distribution that sets the levels."""
    mean, sd = lead_time_demand(
        x.demand_mean, x.demand_sd, x.lead_time_mean, x.lead_time_sd, x.review_period
    )
    variance = sd * sd
    overdispersed = variance > POISSON_DISPERSION_LIMIT * mean
    auto = (x.demand_distribution == "auto") & (mean > 0) & (mean < DISCRETE_MEAN_LIMIT)
    negbin = (auto & overdispersed) | ((x.demand_distribution == "negbin") & (variance > mean))
    poisson = (auto & ~overdispersed) | np.isin(x.demand_distribution, ("poisson", "negbin"))
    poisson &= ~negbin
    distribution = np.select([poisson, negbin], ["poisson", "negbin"], default="normal")
    return _Protection(mean, sd, poisson | negbin, poisson, distribution, x.service_type == "fill")


def _order_quantity(x: PolicyInputs, p: _Protection):
    """Order quantity: EOQ (continuous) or d·R (periodic), rounded to MOQ, lot size and case
    pack and capped so stock sells within shelf life and fits capacity.

    The cap uses the safety stock at the uncapped quantity (the levels are recomputed with
    the final quantity). Returns (quantity, binding constraint, constraint-conflict rows).
    """
    periodic = x.review_period > 0
    annual = x.demand_mean * x.periods_per_year
    raw = np.where(
        periodic,
        x.demand_mean * x.review_period,
        eoq(annual, x.order_cost, x.unit_cost * x.holding_rate),
    )
    raw = np.maximum(raw, 1e-9)  # always at least one multiple, even without demand
    first = round_order_quantity(raw, x.moq, x.lot_size, x.case_pack).quantity
    safety = _safety_stock(x, p, first)[0]
    shelf_cap = np.where(np.isinf(x.shelf_life), np.inf, x.demand_mean * x.shelf_life - safety)
    capacity_cap = x.max_stock - safety
    rounded = round_order_quantity(
        raw, x.moq, x.lot_size, x.case_pack, np.minimum(shelf_cap, capacity_cap)
    )
    capped = rounded.binding == "max_qty"
    binding = np.where(
        capped, np.where(shelf_cap <= capacity_cap, "shelf_life", "capacity"), rounded.binding
    )
    return rounded.quantity, binding, rounded.binding == "infeasible"


def _safety_stock(x: PolicyInputs, p: _Protection, quantity: NDArray):
    """(safety stock, safety factor, reorder level s) for the service target, never SS < 0.

    Normal: s = mean + max(z or k, 0)·σ. Discrete: the smallest integer s meeting the target
    under Poisson / negative binomial, at least ⌈mean⌉ so that SS ≥ 0.
    """
    fill_q = np.where(x.review_period > 0, x.demand_mean * x.review_period, quantity)
    z = cycle_service_factor(x.service_level)
    k = fill_rate_factor(x.service_level, fill_q, p.sd)
    factor = np.where(p.fill, k, z)
    normal_level = p.mean + np.maximum(factor, 0.0) * p.sd
    discrete_level = _discrete_level(x, p, fill_q)
    level = np.where(p.discrete, np.maximum(discrete_level, np.ceil(p.mean)), normal_level)
    safety = np.maximum(level - p.mean, 0.0)
    factor = np.where(p.discrete, np.where(p.sd > 0, safety / p.sd, 0.0), factor)
    return safety, factor, level


def _discrete_level(x: PolicyInputs, p: _Protection, fill_q: NDArray) -> NDArray:
    """Integer levels of the discrete rows (NaN elsewhere, computed on those rows only)."""
    level = np.full(len(x), np.nan)
    rows = p.discrete
    if not rows.any():
        return level
    mean, var, poisson = p.mean[rows], (p.sd * p.sd)[rows], p.poisson[rows]
    alpha, fill = x.service_level[rows], p.fill[rows]
    cycle_level = discrete_cycle_level(alpha, mean, var, poisson)
    allowed = (1.0 - alpha) * fill_q[rows]
    fill_level = discrete_fill_level(allowed, mean, var, poisson)
    level[rows] = np.where(fill, fill_level, cycle_level)
    return level


def _levels(x: PolicyInputs, p: _Protection, quantity: NDArray) -> dict[str, NDArray]:
    """Reorder point, min/max, order-up-to, expected service and the SS decomposition."""
    safety, factor, level = _safety_stock(x, p, quantity)
    periodic = x.review_period > 0
    reorder_point = p.mean + safety  # d·L + SS (continuous) or S = d·(L + R) + SS (periodic)
    order_up_to = np.where(periodic, reorder_point, reorder_point + quantity)
    demand_var = (x.lead_time_mean + x.review_period) * x.demand_sd**2
    lead_time_var = x.demand_mean**2 * x.lead_time_sd**2
    total_var = demand_var + lead_time_var
    demand_share = np.where(total_var > 0, demand_var / total_var, 1.0)
    lead_time_share = np.where(total_var > 0, lead_time_var / total_var, 0.0)
    return {
        "safety_stock": safety,
        "safety_factor": factor,
        "reorder_point": reorder_point,
        "order_quantity": quantity,
        "order_up_to": order_up_to,
        "min_level": reorder_point,
        "max_level": order_up_to,
        "ss_demand": safety * demand_share,
        "ss_lead_time": safety * lead_time_share,
        "expected_service": _expected_service(x, p, reorder_point, quantity),
    }


def _expected_service(x: PolicyInputs, p: _Protection, level: NDArray, quantity: NDArray):
    """Service the final policy delivers by the model: P(LTD ≤ s) for cycle service,
    1 − E[shortage per cycle] / Q for fill rate (Q = d·R when periodic)."""
    fill_q = np.where(x.review_period > 0, x.demand_mean * x.review_period, quantity)
    k = np.where(p.sd > 0, (level - p.mean) / p.sd, np.inf)
    normal_cycle = np.where(p.sd > 0, ndtr(k), 1.0)
    normal_short = np.where(p.sd > 0, p.sd * normal_loss(np.where(p.sd > 0, k, 0.0)), 0.0)
    variance = p.sd * p.sd
    discrete_cycle = discrete_cdf(level, p.mean, variance, p.poisson | ~p.discrete)
    discrete_short = discrete_loss(level, p.mean, variance, p.poisson | ~p.discrete)
    cycle = np.where(p.discrete, discrete_cycle, normal_cycle)
    shortage = np.where(p.discrete, discrete_short, normal_short)
    fill = np.where(fill_q > 0, 1.0 - shortage / fill_q, 1.0)
    return np.where(p.fill, np.clip(fill, 0.0, 1.0), cycle)


def _recommendation(x: PolicyInputs, stock: PolicyInputs, levels: dict) -> dict[str, NDArray]:
    """Inventory position, the order to place now and periods until the next order."""
    position = stock.on_hand + stock.on_order - stock.allocated - stock.backordered
    rop, q, target = levels["reorder_point"], levels["order_quantity"], levels["order_up_to"]
    periodic = x.review_period > 0
    multiples = np.floor(np.maximum(rop - position, 0.0) / q) + 1.0
    continuous_need = np.where(position <= rop, multiples * q, 0.0)
    periodic_need = np.maximum(target - position, 0.0)
    cap = np.where(periodic, x.max_stock - position, np.inf)
    need = np.where(periodic, periodic_need, continuous_need)
    qty = round_order_quantity(need, x.moq, x.lot_size, x.case_pack, cap).quantity
    until = np.where(position <= rop, 0.0, (position - rop) / x.demand_mean)
    until = np.where(periodic, np.where(qty > 0, 0.0, x.review_period), until)
    return {"inventory_position": position, "recommended_qty": qty, "periods_until_order": until}


def _flag_risks(r: PolicyResult, x: PolicyInputs, cover: float, skip: NDArray) -> None:
    """Stock-out risk: position below safety stock, or on hand short of lead-time demand.
    Excess risk: on hand above max + ``cover`` periods of demand, or beyond shelf life."""
    lead_time_demand_mean = x.demand_mean * x.lead_time_mean
    checks = [
        (
            r.stockout_reasons,
            r.inventory_position < r.safety_stock,
            Reason.POSITION_BELOW_SAFETY_STOCK,
        ),
        (
            r.stockout_reasons,
            x.on_hand < lead_time_demand_mean,
            Reason.ON_HAND_BELOW_LEAD_TIME_DEMAND,
        ),
        (
            r.excess_reasons,
            x.on_hand > r.max_level + cover * x.demand_mean,
            Reason.ON_HAND_ABOVE_MAX_PLUS_COVER,
        ),
        (
            r.excess_reasons,
            x.on_hand > x.demand_mean * x.shelf_life,
            Reason.ON_HAND_BEYOND_SHELF_LIFE,
        ),
    ]
    for target, condition, reason in checks:
        target |= flag(condition & ~skip, reason)


_POSITION_OUTPUTS = ("inventory_position", "recommended_qty", "periods_until_order")
_FLOAT_OUTPUTS = (
    "safety_stock",
    "reorder_point",
    "order_quantity",
    "order_up_to",
    "min_level",
    "max_level",
    "expected_service",
    "safety_factor",
    "ltd_mean",
    "ltd_sd",
    "ss_demand",
    "ss_lead_time",
    *_POSITION_OUTPUTS,
)


def _blank(r: PolicyResult, blocked: NDArray, no_position: NDArray) -> PolicyResult:
    """NaN outputs for blocked rows, NaN position outputs where the stock record is bad."""
    for name in _FLOAT_OUTPUTS:
        rows = blocked | no_position if name in _POSITION_OUTPUTS else blocked
        setattr(r, name, np.where(rows, np.nan, getattr(r, name)))
    r.binding_constraint = np.where(blocked, "", r.binding_constraint)
    r.distribution = np.where(blocked, "", r.distribution)
    return r
