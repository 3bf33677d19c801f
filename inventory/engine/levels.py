"""Service levels to stock levels: the demand a level must cover, the distribution used, the
safety stock meeting a cycle-service or fill-rate target, and the service a level delivers.

Units: demand in units over the protection interval; levels and safety stock in units.
"""

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from inventory.engine.demand import lead_time_demand
from inventory.engine.discrete import DiscreteDemand, discrete_policy
from inventory.engine.empirical import EmpiricalDemand
from inventory.engine.inputs import PolicyInputs
from inventory.engine.normal import cycle_service_factor, fill_rate_factor
from inventory.engine.shortage import normal_fill_level, normal_shortage

# 'auto' switches from the normal to a discrete distribution when the mean demand over the
# protection interval is below this many units; Poisson while variance ≤ 1.1 × mean.
DISCRETE_MEAN_LIMIT = 20.0
POISSON_DISPERSION_LIMIT = 1.1

Demand = DiscreteDemand | EmpiricalDemand
_COLUMNS = "sample_weights"


@dataclass(frozen=True)
class Protection:
    """Demand a level must cover. ``mean``/``sd``: over L + R (the protection interval);
    ``prior_mean``/``prior_sd``: over L alone for periodic review (what the previous order
    must cover), the same as the interval for continuous review."""

    mean: NDArray[np.float64]
    sd: NDArray[np.float64]
    prior_mean: NDArray[np.float64]
    prior_sd: NDArray[np.float64]
    periodic: NDArray[np.bool_]
    fill: NDArray[np.bool_]
    discrete: NDArray[np.bool_]
    poisson: NDArray[np.bool_]
    empirical: NDArray[np.bool_]
    distribution: NDArray[np.str_]
    samples: NDArray[np.float64]  # rows × periods of history for 'empirical' rows (or 0 wide)
    sample_weights: NDArray[np.float64] | None  # per period (column), not per row
    interval_periods: NDArray[np.float64]  # L + R
    prior_periods: NDArray[np.float64]  # L for periodic review, L + R otherwise
    lead_time_sd: NDArray[np.float64]

    def take(self, rows: NDArray) -> "Protection":
        """The selected rows only."""
        per_row = {f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name != _COLUMNS}
        return Protection(**per_row, sample_weights=self.sample_weights)

    def discrete_interval(self, rows: NDArray) -> tuple[Demand, Demand]:
        """Discrete demand over the interval and over L alone, for the selected rows (all
        'empirical' or none)."""
        if self.empirical[rows].all():
            samples, sd, w = self.samples[rows], self.lead_time_sd[rows], self.sample_weights
            interval = EmpiricalDemand(samples, self.interval_periods[rows], sd, w)
            return interval, interval.over(self.prior_periods[rows])
        interval = DiscreteDemand(self.mean, self.sd**2, self.poisson).take(rows)
        prior = DiscreteDemand(self.prior_mean, self.prior_sd**2, self.poisson).take(rows)
        return interval, prior


def protection(
    x: PolicyInputs, samples: NDArray | None = None, weights: NDArray | None = None
) -> Protection:
    """Lead-time demand over L + R (and L) and the distribution that sets the levels;
    ``samples`` (rows × periods) is the history of the rows whose distribution is
    'empirical', ``weights`` (one per period) how likely each period is drawn."""
    mean, sd = lead_time_demand(
        x.demand_mean, x.demand_sd, x.lead_time_mean, x.lead_time_sd, x.review_period
    )
    prior_mean, prior_sd = lead_time_demand(
        x.demand_mean, x.demand_sd, x.lead_time_mean, x.lead_time_sd
    )
    periodic = x.review_period > 0
    variance = sd * sd
    overdispersed = variance > POISSON_DISPERSION_LIMIT * mean
    auto = (x.demand_distribution == "auto") & (mean > 0) & (mean < DISCRETE_MEAN_LIMIT)
    negbin = (auto & overdispersed) | ((x.demand_distribution == "negbin") & (variance > mean))
    poisson = (auto & ~overdispersed) | np.isin(x.demand_distribution, ("poisson", "negbin"))
    poisson &= ~negbin
    empirical = x.demand_distribution == "empirical"
    if samples is None:
        if empirical.any():
            raise ValueError("Rows with the 'empirical' distribution need their history.")
        samples = np.empty((len(x), 0))
    interval = x.lead_time_mean + x.review_period
    return Protection(
        mean=mean,
        sd=sd,
        prior_mean=np.where(periodic, prior_mean, mean),
        prior_sd=np.where(periodic, prior_sd, sd),
        periodic=periodic,
        fill=x.service_type == "fill",
        discrete=poisson | negbin | empirical,
        poisson=poisson,
        empirical=empirical,
        distribution=np.select(
            [poisson, negbin, empirical], ["poisson", "negbin", "empirical"], default="normal"
        ),
        samples=samples,
        sample_weights=weights,
        interval_periods=interval,
        prior_periods=np.where(periodic, x.lead_time_mean, interval),
        lead_time_sd=x.lead_time_sd,
    )


def fill_quantity(x: PolicyInputs, quantity: NDArray) -> NDArray[np.float64]:
    """Demand per replenishment cycle in the fill-rate equation: Q, or d·R when periodic."""
    return np.where(x.review_period > 0, x.demand_mean * x.review_period, quantity)


def shortage_delta(p: Protection, quantity: NDArray) -> NDArray[np.float64]:
    """Δ of the shortage formula: Q for continuous review, 0 for periodic (engine.shortage)."""
    return np.where(p.periodic, 0.0, quantity)


@dataclass(frozen=True)
class Stock:
    """Stock meeting each row's target: safety stock, safety factor (z or k) and level,
    with what the level delivers by the model: P(demand ≤ level) and the expected shortage
    per cycle."""

    safety: NDArray[np.float64]
    factor: NDArray[np.float64]
    level: NDArray[np.float64]
    cycle_service: NDArray[np.float64]
    shortage: NDArray[np.float64]

    def merge(self, rows: NDArray, other: "Stock") -> "Stock":
        """A copy with ``rows`` taken from ``other`` (which holds just those rows)."""
        merged = {}
        for f in fields(self):
            values = getattr(self, f.name).copy()
            values[rows] = getattr(other, f.name)
            merged[f.name] = values
        return Stock(**merged)


def stock_for_service(x: PolicyInputs, p: Protection, quantity: NDArray) -> Stock:
    """The level meeting each row's target, with SS ≥ 0.

    Cycle service: level = mean + z·σ (normal) or the smallest integer with F(s) ≥ α.
    Fill rate: the lowest level whose expected shortage per cycle ≤ (1 − β)·Q (normal,
    started from the one-term solution k of G(k) = (1 − β)·Q/σ) or the smallest such integer.
    A level below the mean demand is raised to it (⌈mean⌉ for integers), so SS is never < 0.
    """
    fill_q, delta = fill_quantity(x, quantity), shortage_delta(p, quantity)
    allowed = (1.0 - x.service_level) * fill_q
    k = fill_rate_factor(x.service_level, fill_q, p.sd)
    level = p.mean + cycle_service_factor(x.service_level) * p.sd
    rows = np.flatnonzero(p.fill)
    level[rows] = normal_fill_level(
        allowed[rows],
        p.mean[rows],
        p.sd[rows],
        p.prior_mean[rows],
        p.prior_sd[rows],
        delta[rows],
        (p.mean + k * p.sd)[rows],
    )
    factor = np.where(p.sd > 0, (level - p.mean) / p.sd, 0.0)
    level = np.maximum(level, p.mean)
    has_sd = p.sd > 0
    cycle = np.where(has_sd, ndtr((level - p.mean) / np.where(has_sd, p.sd, 1.0)), 1.0)
    shortage = normal_shortage(level, p.mean, p.sd, p.prior_mean, p.prior_sd, delta)
    stock = Stock(level - p.mean, factor, level, cycle, shortage)
    return _with_discrete(x, p, stock, allowed, delta)


def _with_discrete(x, p: Protection, stock: Stock, allowed, delta) -> Stock:
    """Replace the discrete rows with exact integer levels and their service."""
    level, cycle, shortage, factor = (
        stock.level.copy(),
        stock.cycle_service.copy(),
        stock.shortage.copy(),
        stock.factor.copy(),
    )
    for rows in (np.flatnonzero(p.discrete & ~p.empirical), np.flatnonzero(p.empirical)):
        if rows.size == 0:
            continue
        found = discrete_policy(
            *p.discrete_interval(rows),
            alpha=x.service_level[rows],
            allowed=allowed[rows],
            delta=delta[rows],
            fill=p.fill[rows],
            floor=np.ceil(p.mean[rows]),
        )
        level[rows], cycle[rows], shortage[rows] = found.level, found.cycle_service, found.shortage
        factor[rows] = np.where(p.sd[rows] > 0, (found.level - p.mean[rows]) / p.sd[rows], 0.0)
    return Stock(level - p.mean, factor, level, cycle, shortage)


def expected_service(x: PolicyInputs, p: Protection, stock: Stock, quantity: NDArray):
    """Service the final policy delivers by the model: P(demand over L + R ≤ level) for cycle
    service; 1 − expected shortage per cycle / Q (d·R when periodic) for fill rate."""
    fill_q = fill_quantity(x, quantity)
    fill = np.where(fill_q > 0, 1.0 - stock.shortage / np.where(fill_q > 0, fill_q, 1.0), 1.0)
    return np.where(p.fill, np.clip(fill, 0.0, 1.0), stock.cycle_service)
