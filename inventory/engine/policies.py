"""Single-echelon policies for every SKU-location of a batch: safety stock, reorder point,
order quantity, min/max or order-up-to level, recommended order and risk flags.

Continuous review (s, Q) when ``review_period`` is 0, periodic review (R, S) otherwise.
Every formula, its units and its source are in docs/engine.md.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inventory.engine.flags import Reason, flag
from inventory.engine.inputs import PolicyInputs, PolicyResult
from inventory.engine.levels import Protection, Stock, expected_service, stock_for_service
from inventory.engine.levels import protection as compute_protection
from inventory.engine.lot_sizing import BINDING_NAMES, eoq, round_order_quantity
from inventory.engine.validation import blocked_rows, data_quality_reasons, with_stand_ins

DEFAULT_EXCESS_COVER_PERIODS = 4.0


@dataclass(frozen=True)
class PolicyBasis:
    """What every row's policy starts from before its level is set: the inputs' reasons and
    the rows they block or leave without a stock position, the inputs with stand-ins on
    blocked rows (``x``), the demand a level must cover, the raw order quantity and that
    quantity rounded to MOQ and multiples (``first``, before any shelf-life or capacity cap)."""

    inputs: PolicyInputs
    reasons: NDArray[np.uint32]
    blocked: NDArray[np.bool_]
    no_position: NDArray[np.bool_]
    x: PolicyInputs
    protection: Protection
    raw: NDArray[np.float64]
    first: NDArray[np.float64]


def policy_basis(
    inputs: PolicyInputs, samples: NDArray | None = None, sample_weights: NDArray | None = None
) -> PolicyBasis:
    """The :class:`PolicyBasis` of every row (``samples``, ``sample_weights`` as in
    ``compute_policies``): no table is built."""
    dq = data_quality_reasons(inputs)
    blocked = blocked_rows(dq)
    x = with_stand_ins(inputs, blocked)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        raw = _raw_quantity(x)
        first = round_order_quantity(raw, x.moq, x.lot_size, x.case_pack).quantity
        return PolicyBasis(
            inputs=inputs,
            reasons=dq,
            blocked=blocked,
            no_position=_no_position(dq),
            x=x,
            protection=compute_protection(x, samples, sample_weights),
            raw=raw,
            first=first,
        )


def compute_policies(
    inputs: PolicyInputs,
    *,
    excess_cover_periods: float = DEFAULT_EXCESS_COVER_PERIODS,
    samples: NDArray | None = None,
    sample_weights: NDArray | None = None,
) -> PolicyResult:
    """The whole policy for every row of ``inputs``; bad rows get NaN outputs and reasons.
    ``samples`` (rows × periods, whole units, NaN = not observed) is the demand history of the
    rows whose ``demand_distribution`` is 'empirical', ``sample_weights`` (one per period) the
    weight of each period in it (see engine.empirical)."""
    basis = policy_basis(inputs, samples, sample_weights)
    x, protection = basis.x, basis.protection
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        stock = stock_for_service(x, protection, basis.first)
        quantity, binding, conflict = capped_quantity(basis, stock.safety)
        stock = _restock(x, protection, stock, np.flatnonzero(quantity != basis.first), quantity)
        service = expected_service(x, protection, stock, quantity)
        order = (quantity, binding, conflict)
        return _completed(basis, stock.level, stock.factor, order, service, excess_cover_periods)


def policies_at_levels(
    inputs: PolicyInputs,
    level: NDArray,
    service: NDArray,
    *,
    excess_cover_periods: float = DEFAULT_EXCESS_COVER_PERIODS,
    samples: NDArray | None = None,
    sample_weights: NDArray | None = None,
) -> PolicyResult:
    """The policy of every row at a given ``level`` (reorder point; order-up-to level when
    periodic) whose model service is ``service``: what ``compute_policies`` gives where it
    finds that level, without searching for it. The safety factor is (level − mean) / sd
    (``compute_policies`` reports a negative one where a target lies below the mean demand
    and the level is raised to it). The order quantity is capped with the safety stock at
    ``level``: ``compute_policies``'s quantity wherever the level does not depend on it
    (periodic review, cycle service) or no shelf-life or capacity cap binds; otherwise
    ``compute_policies`` caps with the safety stock of the uncapped quantity."""
    basis = policy_basis(inputs, samples, sample_weights)
    p = basis.protection
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        level = np.where(basis.blocked, p.mean, level)
        safety = level - p.mean
        factor = np.where(p.sd > 0, safety / p.sd, 0.0)
        order = capped_quantity(basis, safety)
        return _completed(basis, level, factor, order, service, excess_cover_periods)


def _completed(
    basis: PolicyBasis,
    level: NDArray,
    factor: NDArray,
    order: tuple[NDArray, NDArray, NDArray],
    service: NDArray,
    cover: float,
) -> PolicyResult:
    """The policy from each row's ``level``, safety ``factor``, ``order`` (quantity, binding
    constraint, constraint-conflict rows) and model ``service``: levels, recommendation,
    risk flags, blanks."""
    x, p, blocked, no_position = basis.x, basis.protection, basis.blocked, basis.no_position
    quantity, binding, conflict = order
    levels = _levels(x, p, level, factor, quantity, service)
    stock_record = _stock_record(basis.inputs, blocked | no_position)
    recommendation, order_binding = _recommendation(x, stock_record, levels)
    # A cap that cut the order now (3), or left no valid order (4), says so over Q's.
    order_binding = np.where(no_position, 0, order_binding)
    binding = np.where(order_binding == 4, "infeasible", binding)
    result = PolicyResult(
        **levels,
        **recommendation,
        binding_constraint=np.where(order_binding == 3, "capacity", binding),
        ltd_mean=p.mean,
        ltd_sd=p.sd,
        distribution=p.distribution,
        stockout_reasons=np.zeros(len(x), np.uint32),
        excess_reasons=np.zeros(len(x), np.uint32),
        data_quality_reasons=basis.reasons | flag(conflict, Reason.ORDER_CONSTRAINTS_CONFLICT),
    )
    _flag_risks(result, x, cover, no_position | blocked)
    return _blank(result, blocked, no_position)


def order_now(
    inputs: PolicyInputs, reorder_point: NDArray, order_quantity: NDArray, order_up_to: NDArray
) -> dict[str, NDArray]:
    """The order to place now against given levels (units): inventory position, recommended
    quantity and periods until the order, as ``compute_policies`` recommends them (the same
    rounding to MOQ, multiples and capacity); NaN where the inputs block the policy or give
    no valid stock position. A time-phased policy orders now for the levels of the period
    its receipt arrives in (docs/runs.md, "Time-phased policies")."""
    reasons = data_quality_reasons(inputs)
    blocked = blocked_rows(reasons)
    skip = blocked | _no_position(reasons)
    levels = {
        "reorder_point": reorder_point,
        "order_quantity": order_quantity,
        "order_up_to": order_up_to,
    }
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = with_stand_ins(inputs, blocked)
        recommendation, _ = _recommendation(x, _stock_record(inputs, skip), levels)
    return {name: np.where(skip, np.nan, value) for name, value in recommendation.items()}


def _stock_record(inputs: PolicyInputs, rows: NDArray[np.bool_]) -> PolicyInputs:
    """The inputs with harmless stock figures where they are bad (outputs blanked later)."""
    return with_stand_ins(inputs, rows, "on_hand", "on_order", "allocated", "backordered")


def _no_position(dq: NDArray[np.uint32]) -> NDArray[np.bool_]:
    return (dq & np.uint32(Reason.POSITION_INVALID)) != 0


def _raw_quantity(x: PolicyInputs) -> NDArray[np.float64]:
    """EOQ (continuous) or the expected order d·R (periodic), at least a hair above 0 so
    that rounding always yields one multiple, even without demand."""
    eoq_qty = eoq(x.demand_mean * x.periods_per_year, x.order_cost, x.unit_cost * x.holding_rate)
    return np.maximum(np.where(x.review_period > 0, x.demand_mean * x.review_period, eoq_qty), 1e-9)


def capped_quantity(basis: PolicyBasis, safety: NDArray):
    """The raw order quantity rounded to MOQ, lot size and case pack and capped so stock
    sells within shelf life (Q ≤ d·shelf life − SS) and fits capacity (Q ≤ capacity − SS,
    and Q ≤ the most one order may be), with safety stock ``safety`` (``compute_policies``:
    the uncapped quantity's). Returns (quantity, binding constraint, constraint-conflict
    rows)."""
    x, raw = basis.x, basis.raw
    shelf_cap = np.where(np.isinf(x.shelf_life), np.inf, x.demand_mean * x.shelf_life - safety)
    capacity_cap = np.minimum(x.max_stock - safety, x.max_order)
    rounded = round_order_quantity(
        raw, x.moq, x.lot_size, x.case_pack, np.minimum(shelf_cap, capacity_cap)
    )
    names = np.append(BINDING_NAMES, ["shelf_life", "capacity"])
    code = np.where(
        rounded.binding_code == 3, np.where(shelf_cap <= capacity_cap, 5, 6), rounded.binding_code
    )
    return rounded.quantity, names[code], rounded.binding_code == 4


def _restock(x: PolicyInputs, p: Protection, stock: Stock, rows: NDArray, quantity: NDArray):
    """The stock with the rows whose order quantity changed recomputed for the new one."""
    if rows.size == 0:
        return stock
    changed = stock_for_service(x.take(rows), p.take(rows), quantity[rows])
    return stock.merge(rows, changed)


def _levels(x: PolicyInputs, p: Protection, level, factor, quantity, service) -> dict:
    """Reorder point, min/max, order-up-to and the SS decomposition from the ``level`` (SS =
    level − mean), with the safety ``factor`` and the model ``service`` it gives.

    Continuous: ROP = d·L + SS, min = ROP, max = order-up-to = ROP + Q.
    Periodic: S = d·(L + R) + SS and min = max = S (order up to S at every review).
    SS splits by the two variance terms of σ²_LTD: (L + R)·σ_d² and d²·σ_L².
    """
    safety = level - p.mean
    order_up_to = np.where(p.periodic, level, level + quantity)
    demand_var = (x.lead_time_mean + x.review_period) * x.demand_sd**2
    lead_time_var = x.demand_mean**2 * x.lead_time_sd**2
    total_var = demand_var + lead_time_var
    return {
        "safety_stock": safety,
        "safety_factor": factor,
        "reorder_point": level,
        "order_quantity": quantity,
        "order_up_to": order_up_to,
        "min_level": level,
        "max_level": order_up_to,
        "ss_demand": safety * np.where(total_var > 0, demand_var / total_var, 1.0),
        "ss_lead_time": safety * np.where(total_var > 0, lead_time_var / total_var, 0.0),
        "expected_service": service,
    }


def _recommendation(
    x: PolicyInputs, stock: PolicyInputs, levels: dict
) -> tuple[dict[str, NDArray], NDArray[np.bool_]]:
    """Inventory position, the order to place now and periods until the next order; and how
    the order now was rounded (``round_order_quantity``'s code: 3 = cut to a capacity, 4 =
    none fits it)."""
    position = stock.on_hand + stock.on_order - stock.allocated - stock.backordered
    rop, q, target = levels["reorder_point"], levels["order_quantity"], levels["order_up_to"]
    periodic = x.review_period > 0
    multiples = np.floor(np.maximum(rop - position, 0.0) / q) + 1.0
    continuous_need = np.where(position <= rop, multiples * q, 0.0)
    periodic_need = np.maximum(target - position, 0.0)
    cap = np.minimum(np.where(periodic, x.max_stock - position, np.inf), x.max_order)
    need = np.where(periodic, periodic_need, continuous_need)
    rounded = round_order_quantity(need, x.moq, x.lot_size, x.case_pack, cap)
    # Capacity is physical: when no valid quantity fits, nothing is ordered.
    qty = np.where(rounded.binding_code == 4, 0.0, rounded.quantity)
    until = np.where(position <= rop, 0.0, (position - rop) / x.demand_mean)
    until = np.where(periodic, np.where(qty > 0, 0.0, x.review_period), until)
    return {
        "inventory_position": position,
        "recommended_qty": qty,
        "periods_until_order": until,
    }, rounded.binding_code


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
FLOAT_OUTPUTS = (  # every numeric output of PolicyResult
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
    if not (blocked.any() or no_position.any()):
        return r
    blanks = dict.fromkeys(FLOAT_OUTPUTS, np.nan) | {
        "binding_constraint": "",
        "distribution": "",
    }
    for name, blank in blanks.items():
        rows = blocked | no_position if name in _POSITION_OUTPUTS else blocked
        values = getattr(r, name).copy()
        values[rows] = blank
        setattr(r, name, values)
    return r
