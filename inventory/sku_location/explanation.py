"""The explanation of one SKU-location's recommended policy: the engine's formulas with the
row's own numbers filled in, which inputs moved since the previous recommendation, and how the
recommendation differs from the policy in force.

Pure: no database and no Django, so a test can set every figure against ``inventory.engine``.
The maths is the engine's (docs/engine.md); what each number on the page is:
docs/sku-location.md.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from inventory.engine import cycle_service_factor, eoq, fill_rate_factor, lead_time_demand
from inventory.engine.calibration import Calibration, corrected
from inventory.engine.from_history import EMPIRICAL_MIN_PERIODS
from inventory.engine.levels import DISCRETE_MEAN_LIMIT, POISSON_DISPERSION_LIMIT
from inventory.reasons import binding_text
from sop_platform.display import MISSING, percent, units

DISCRETE = ("poisson", "negbin", "empirical")
DISTRIBUTION_NAMES = {
    "normal": "Normal",
    "poisson": "Poisson",
    "negbin": "Negative binomial",
    "empirical": "Empirical (the row's own history)",
}
SD_SOURCE_TEXT = {
    "forecast_error": "forecast RMSE (actual − forecast over the history window)",
    "history": "standard deviation of the demand history",
    "empirical": "standard deviation of the demand history (for reference: the empirical "
    "distribution uses the periods themselves)",
}

DEMAND_SOURCE_TEXT = {
    "consensus": "the approved consensus forecast",
    "statistical": "the statistical forecast (no approved consensus for these periods)",
}
"""Where a forecast demand level came from (PolicyRecommendation.demand_source)."""


@dataclass(frozen=True)
class RunContext:
    """What the recommendation's run planned with: review period R (periods, 0 = continuous
    review), the period length, the demand model ('history' or 'parametric'), whether the
    service levels were optimized across the run, its calibration (history model), the
    holding rate per year and the periods per year."""

    review_period: float
    period_days: int
    demand_model: str
    optimized: bool
    calibration: Calibration | None
    holding_rate: float
    periods_per_year: float
    default_order_cost: float


@dataclass(frozen=True)
class OrderTerms:
    """The order terms the run read for the SKU-location, as they stand today: the primary
    supplier lane's MOQ, lot size, case pack and order cost (the run's default order cost
    without a lane), the item's unit cost (None when unknown)."""

    moq: float = 0.0
    lot_size: float = 1.0
    case_pack: float = 1.0
    order_cost: float | None = None
    unit_cost: float | None = None


@dataclass(frozen=True)
class Step:
    """One line of the formula: what it is, its symbol, the formula, the formula with the
    row's numbers, the result."""

    name: str
    symbol: str
    formula: str
    numbers: str
    value: str
    code: str = ""  # the engine's code behind ``formula``, for a tooltip


@dataclass(frozen=True)
class Explanation:
    """Every number behind a recommended policy. Demand per period, lead times in periods,
    quantities in units."""

    d: float
    sigma_d: float
    sigma_source: str
    lead_time: float
    lead_time_sd: float
    review_period: float
    ltd_mean: float
    ltd_sd: float
    demand_variance: float
    lead_time_variance: float
    target: float
    target_used: float
    calibration_factor: float | None
    service_type: str
    distribution: str
    distribution_reason: str
    factor: float
    factor_kind: str  # 'z', 'k' or 'implied' (the level is not set by a factor)
    z_of_target: float | None
    k_one_term: float | None
    safety_stock: float
    ss_demand: float
    ss_lead_time: float
    level: float
    periodic: bool
    raised_to_mean: bool
    order_quantity: float
    economic_quantity: float | None
    binding_constraint: str
    steps: tuple[Step, ...]

    @property
    def demand_share(self) -> float:
        """Share of the safety stock due to demand variability."""
        return self.ss_demand / self.safety_stock if self.safety_stock > 0 else 1.0

    @property
    def lead_time_share(self) -> float:
        """Share of the safety stock due to lead-time variability."""
        return self.ss_lead_time / self.safety_stock if self.safety_stock > 0 else 0.0

    @property
    def distribution_name(self) -> str:
        return DISTRIBUTION_NAMES.get(self.distribution, self.distribution)

    @property
    def binding_text(self) -> str:
        return binding_text(self.binding_constraint)


def explain(rec: Any, run: RunContext, terms: OrderTerms) -> Explanation | None:
    """The explanation of ``rec`` (a recommendation: any object with its fields), planned by
    ``run`` with order ``terms``; None when the engine computed no policy (blocked row)."""
    needed = (rec.demand_mean, rec.demand_sd, rec.lead_time_mean, rec.lead_time_sd)
    if rec.safety_stock is None or any(v is None or not math.isfinite(v) for v in needed):
        return None
    d, sd, lead, lead_sd, review = (*needed, run.review_period)
    mean, ltd_sd = (float(v) for v in lead_time_demand(d, sd, lead, lead_sd, review))
    target_used, factor_of_group = _target_used(rec, run)
    distribution = rec.distribution or "normal"
    factor = rec.safety_stock / ltd_sd if ltd_sd > 0 else 0.0
    z = _z(target_used, distribution, rec.service_type)
    k = _k_one_term(rec, run, target_used, ltd_sd, distribution, d)
    kind = "implied" if distribution in DISCRETE else ("z" if rec.service_type == "cycle" else "k")
    if kind == "z" and z is not None and z > 0:
        factor = z  # the engine sets SS = z·σ exactly; SS / σ only repeats it
    explanation = Explanation(
        d=d,
        sigma_d=sd,
        sigma_source=SD_SOURCE_TEXT.get(rec.demand_sd_source, rec.demand_sd_source),
        lead_time=lead,
        lead_time_sd=lead_sd,
        review_period=review,
        ltd_mean=mean,
        ltd_sd=ltd_sd,
        demand_variance=(lead + review) * sd * sd,
        lead_time_variance=d * d * lead_sd * lead_sd,
        target=rec.service_target,
        target_used=target_used,
        calibration_factor=factor_of_group,
        service_type=rec.service_type,
        distribution=distribution,
        distribution_reason=distribution_reason(rec, run, mean, ltd_sd),
        factor=factor,
        factor_kind=kind,
        z_of_target=z,
        k_one_term=k,
        safety_stock=rec.safety_stock,
        ss_demand=rec.ss_demand if rec.ss_demand is not None else rec.safety_stock,
        ss_lead_time=rec.ss_lead_time or 0.0,
        level=rec.reorder_point,
        periodic=review > 0,
        raised_to_mean=rec.safety_stock <= 1e-9 and _below_mean(z, k, kind),
        order_quantity=rec.order_quantity,
        economic_quantity=economic_quantity(d, run, terms),
        binding_constraint=rec.binding_constraint,
        steps=(),
    )
    return _with_steps(explanation, run)


def _target_used(rec: Any, run: RunContext) -> tuple[float, float | None]:
    """The target the engine set the level for: the class's, corrected by the run's
    calibration for the row's (pattern, service type) group (history model)."""
    if run.calibration is None or run.optimized or rec.service_target is None:
        return rec.service_target, None
    factor = float(
        run.calibration.factor(np.array([rec.demand_pattern]), np.array([rec.service_type]))[0]
    )
    return float(corrected(np.array([rec.service_target]), np.array([factor]))[0]), factor


def _z(target: float | None, distribution: str, service_type: str) -> float | None:
    """z = Φ⁻¹(α) of a normal cycle-service row (None otherwise)."""
    if target is None or distribution != "normal" or service_type != "cycle":
        return None
    return float(cycle_service_factor(target))


def _k_one_term(rec, run: RunContext, target, ltd_sd, distribution, d) -> float | None:
    """The one-term fill-rate factor k of G(k) = (1 − β)·Q / σ the engine starts from
    (Q = d·R when periodic); None unless a normal fill-rate row."""
    if target is None or distribution != "normal" or rec.service_type != "fill":
        return None
    quantity = d * run.review_period if run.review_period > 0 else rec.order_quantity
    return float(fill_rate_factor(target, quantity, ltd_sd))


def _below_mean(z: float | None, k: float | None, kind: str) -> bool:
    """Whether the target alone asked for a level below the mean demand (SS raised to 0)."""
    factor = z if kind == "z" else k
    return factor is not None and factor < 0


def economic_quantity(d: float, run: RunContext, terms: OrderTerms) -> float | None:
    """EOQ √(2·D·S / H), D = d × periods per year, S the order cost, H = unit cost × holding
    rate (None without a unit cost, or when periodic: the order is then d·R)."""
    if run.review_period > 0 or not terms.unit_cost:
        return None
    order_cost = run.default_order_cost if terms.order_cost is None else terms.order_cost
    value = eoq(d * run.periods_per_year, order_cost, terms.unit_cost * run.holding_rate)
    return float(value) if np.isfinite(value) else None


def distribution_reason(rec: Any, run: RunContext, ltd_mean: float, ltd_sd: float) -> str:
    """Why the engine used the row's distribution, by its rules (docs/engine.md)."""
    interval = f"demand over L + R is {ltd_mean:,.1f} units"
    variance_ratio = ltd_sd**2 / ltd_mean if ltd_mean > 0 else math.inf
    pattern = rec.demand_pattern or "unknown"
    if rec.distribution == "empirical":
        if pattern != "smooth":
            return (
                f"The demand pattern is {pattern}: its shape (how often, which sizes, the rare "
                "large order) sets a high-service level, which a fitted two-parameter "
                "distribution misses; the level comes from sums of the row's own periods."
            )
        return (
            f"The demand is smooth but slow ({interval}, below {DISCRETE_MEAN_LIMIT:g}): the "
            "level comes from sums of the row's own periods."
        )
    if run.demand_model == "history":
        if rec.demand_periods < EMPIRICAL_MIN_PERIODS:
            opening = (
                f"Only {rec.demand_periods} observed periods (fewer than "
                f"{EMPIRICAL_MIN_PERIODS}): too few to trust the row's own shape, so "
            )
        else:
            opening = f"The demand is {pattern} and large enough over the lead time, so "
        return opening + _auto_rule(rec.distribution, interval, variance_ratio)
    return _auto_rule(rec.distribution, interval, variance_ratio).capitalize()


def _auto_rule(distribution: str, interval: str, variance_ratio: float) -> str:
    """The 'auto' rule in words for the distribution it picked."""
    limit = f"{DISCRETE_MEAN_LIMIT:g} units"
    if distribution == "poisson":
        return (
            f"the automatic rule applies: {interval} (below {limit}) and its variance is "
            f"{variance_ratio:.2f} × the mean (at most {POISSON_DISPERSION_LIMIT:g}): Poisson."
        )
    if distribution == "negbin":
        return (
            f"the automatic rule applies: {interval} (below {limit}) and its variance is "
            f"{variance_ratio:.2f} × the mean (above {POISSON_DISPERSION_LIMIT:g}): negative "
            "binomial with the same mean and variance."
        )
    return (
        f"the automatic rule applies: {interval} (at least {limit}): normal, the central "
        "limit theorem holding over the lead time."
    )


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value:,.{digits}f}"


def _with_steps(e: Explanation, run: RunContext) -> Explanation:
    """``e`` with its formula lines."""
    d, sd, lead, lead_sd, review = e.d, e.sigma_d, e.lead_time, e.lead_time_sd, e.review_period
    steps = [
        Step(
            "Protection interval",
            "L + R",
            "L + R",
            f"{_num(lead, 2)} + {_num(review, 2)}",
            f"{_num(lead + review, 2)} periods",
        ),
        Step(
            "Mean demand over it",
            "μ_LTD",
            "d·(L + R)",
            f"{_num(d, 2)} × {_num(lead + review, 2)}",
            units(e.ltd_mean),
        ),
        Step(
            "Its standard deviation",
            "σ_LTD",
            "√((L + R)·σ_d² + d²·σ_L²)",
            f"√({_num(lead + review, 2)} × {_num(sd, 2)}² + {_num(d, 2)}² × {_num(lead_sd, 2)}²)",
            _num(e.ltd_sd, 2),
        ),
    ]
    steps += _target_steps(e)
    steps.append(_factor_step(e))
    steps.append(_safety_step(e))
    steps.append(_level_step(e))
    steps += _order_steps(e, run)
    return replace(e, steps=tuple(steps))


def _target_steps(e: Explanation) -> list[Step]:
    kind = "cycle service α" if e.service_type == "cycle" else "fill rate β"
    steps = [Step("Service target", kind, "the service class's", "", percent(e.target))]
    if e.calibration_factor is not None:
        steps.append(
            Step(
                "Target after calibration",
                "target′",
                "1 − (1 − target) × correction",
                f"1 − (1 − {percent(e.target)}) × {e.calibration_factor:.2f}",
                percent(e.target_used),
            )
        )
    return steps


def _factor_step(e: Explanation) -> Step:
    if e.factor_kind == "z":
        return Step(
            "Safety factor", "z", "Φ⁻¹(α)", f"Φ⁻¹({percent(e.target_used)})", _num(e.z_of_target, 3)
        )
    if e.factor_kind == "k":
        start = f"one-term start G(k₀) = (1 − β)·Q/σ_LTD gives k₀ = {_num(e.k_one_term, 3)}; "
        return Step(
            "Safety factor",
            "k",
            "lowest k with shortage per cycle ≤ (1 − β)·Q",
            start + "the level found gives k = SS / σ_LTD",
            _num(e.factor, 3),
        )
    return Step(
        "Implied safety factor",
        "SS / σ_LTD",
        "not a z-factor: the level is the smallest whole level meeting the target in the "
        f"{e.distribution_name.lower()} distribution",
        f"{_num(e.safety_stock)} / {_num(e.ltd_sd, 2)}",
        _num(e.factor, 3),
    )


def _safety_step(e: Explanation) -> Step:
    if e.raised_to_mean:
        return Step(
            "Safety stock",
            "SS",
            "never below 0",
            "the target alone asks for less than the mean demand: the level is raised to it",
            units(e.safety_stock),
        )
    if e.factor_kind == "implied":
        return Step(
            "Safety stock",
            "SS",
            "level − μ_LTD",
            f"{_num(e.safety_stock + e.ltd_mean)} − {_num(e.ltd_mean)}",
            units(e.safety_stock),
        )
    symbol = e.factor_kind
    return Step(
        "Safety stock",
        "SS",
        f"{symbol}·σ_LTD",
        f"{_num(e.factor, 3)} × {_num(e.ltd_sd, 2)}",
        units(e.safety_stock),
    )


def _level_step(e: Explanation) -> Step:
    if e.periodic:
        return Step(
            "Order-up-to level",
            "S",
            "d·(L + R) + SS",
            f"{_num(e.d, 2)} × {_num(e.lead_time + e.review_period, 2)} + {_num(e.safety_stock)}",
            units(e.level),
        )
    return Step(
        "Reorder point",
        "ROP",
        "d·L + SS",
        f"{_num(e.d, 2)} × {_num(e.lead_time, 2)} + {_num(e.safety_stock)}",
        units(e.level),
    )


def _order_steps(e: Explanation, run: RunContext) -> list[Step]:
    if e.periodic:
        raw = Step(
            "Expected order",
            "d·R",
            "d·R",
            f"{_num(e.d, 2)} × {_num(e.review_period, 2)}",
            units(e.d * e.review_period),
        )
    else:
        raw = Step(
            "Economic order quantity",
            "EOQ",
            "√(2·D·S / H)",
            f"D = {_num(e.d, 2)} × {_num(run.periods_per_year, 2)} a year, H = unit cost "
            f"× {percent(run.holding_rate)}",
            units(e.economic_quantity),
        )
    binding = Step(
        "Order quantity", "Q", e.binding_text, "", units(e.order_quantity), e.binding_constraint
    )
    return [raw, binding]


# --- What moved since the previous recommendation, and against the policy in force -----------


@dataclass(frozen=True)
class Moved:
    """One figure before and after: its label, both values as shown, whether it changed, and
    the relative change (None for text, or from zero)."""

    label: str
    before: str
    after: str
    changed: bool
    change: float | None


Field = tuple[str, str, Callable[[Any], str]]
INPUTS: tuple[Field, ...] = (
    ("demand_mean", "Mean demand d (per period)", units),
    ("demand_sd", "Demand σ_d (per period)", units),
    ("demand_sd_source", "Source of σ_d", lambda v: (v or MISSING).replace("_", " ")),
    ("demand_pattern", "Demand pattern", lambda v: v or MISSING),
    ("lead_time_mean", "Lead time L (periods)", lambda v: _num(v, 2)),
    ("lead_time_sd", "Lead-time σ_L (periods)", lambda v: _num(v, 2)),
    ("lead_time_basis", "Lead time from", lambda v: v or MISSING),
    ("service_target", "Service target", percent),
    ("service_type", "Service type", lambda v: v or MISSING),
    ("segment", "Segment", lambda v: v or MISSING),
    ("distribution", "Distribution", lambda v: DISTRIBUTION_NAMES.get(v, v or MISSING)),
)
RESULTS: tuple[Field, ...] = (
    ("safety_stock", "Safety stock", units),
    ("reorder_point", "Reorder point / order-up-to", units),
    ("order_quantity", "Order quantity", units),
)
POLICY_FIELDS: tuple[Field, ...] = (
    ("safety_stock", "Safety stock", units),
    ("reorder_point", "Reorder point", units),
    ("min_level", "Min", units),
    ("max_level", "Max / order-up-to", units),
    ("order_quantity", "Order quantity", units),
    ("service_target", "Service target", percent),
    ("service_type", "Service type", lambda v: v or MISSING),
)
_SAME = 1e-9


def compared(before: Any, after: Any, fields: tuple[Field, ...]) -> list[Moved]:
    """Every one of ``fields`` in ``before`` and ``after`` (objects or mappings)."""
    rows = []
    for name, label, shown in fields:
        old, new = _value(before, name), _value(after, name)
        change = None
        if isinstance(old, int | float) and isinstance(new, int | float) and old:
            change = (new - old) / abs(old)
        rows.append(Moved(label, shown(old), shown(new), not _same(old, new), change))
    return rows


def moved(before: Any, after: Any, fields: tuple[Field, ...] = INPUTS) -> list[Moved]:
    """The ``fields`` whose value differs between ``before`` and ``after``, in order."""
    return [row for row in compared(before, after, fields) if row.changed]


def _value(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return abs(new - old) <= _SAME * max(1.0, abs(old), abs(new))
    return old == new


@dataclass(frozen=True)
class SafetyStockChange:
    """SS_new − SS_old split exactly in two: the variability (σ_LTD moved, at the old factor)
    and the factor (target, distribution or calibration moved, at the new σ_LTD)."""

    total: float
    from_variability: float
    from_factor: float


def safety_stock_change(before: Explanation, after: Explanation) -> SafetyStockChange:
    """SS = f·σ, so SS₁ − SS₀ = f₀·(σ₁ − σ₀) + σ₁·(f₁ − f₀), with f = SS / σ_LTD."""
    f0 = before.safety_stock / before.ltd_sd if before.ltd_sd > 0 else 0.0
    f1 = after.safety_stock / after.ltd_sd if after.ltd_sd > 0 else 0.0
    variability = f0 * (after.ltd_sd - before.ltd_sd)
    return SafetyStockChange(
        total=after.safety_stock - before.safety_stock,
        from_variability=variability,
        from_factor=after.ltd_sd * (f1 - f0),
    )
