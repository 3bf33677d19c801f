"""Monte Carlo simulation of inventory policies, many SKU-locations and replications at once.

Each row of the batch is simulated ``replications`` times for ``periods`` planning periods
after a warm-up, with backorders. Time advances in sub-steps (``steps_per_period``) so that a
continuous-review (s, Q) policy sees its reorder point crossed almost exactly, as the textbook
model assumes; a periodic (R, S) policy reviews every R periods. Demand per sub-step is drawn
so that a whole period follows the row's distribution: normal N(d/m, σ²/m), Poisson(d/m), or
negative binomial NB(n/m, p) (both additive). Lead times are gamma-distributed with the
row's mean and sd (fixed when the sd is 0). The loop runs over time steps only; every step
is vectorized over rows × replications.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class SimulationResult:
    """Achieved performance per row, over all replications after warm-up."""

    cycle_service: NDArray[np.float64]  # share of order arrivals preceded by no stock-out
    fill_rate: NDArray[np.float64]  # share of demand served from stock on hand
    average_on_hand: NDArray[np.float64]  # units, averaged over sub-steps
    orders_per_period: NDArray[np.float64]
    stockout_cycles: NDArray[np.float64]  # replenishment cycles with a stock-out, per replication


@dataclass
class _State:
    """Simulation state, one entry per (row, replication)."""

    net_stock: NDArray[np.float64]
    position: NDArray[np.float64]
    pipeline: NDArray[np.float64]  # ring buffer of arrivals by sub-step
    cycle_ends: NDArray[np.int8]  # ring buffer: 1 where an order (or a review) lands
    demand: NDArray[np.float64]
    short: NDArray[np.float64]
    on_hand_sum: NDArray[np.float64]
    orders: NDArray[np.float64]
    arrivals: NDArray[np.float64]
    stockout_arrivals: NDArray[np.float64]


def simulate_policies(
    *,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_sd: ArrayLike,
    review_period: ArrayLike,
    reorder_point: ArrayLike,
    order_quantity: ArrayLike,
    order_up_to: ArrayLike,
    distribution: ArrayLike = "normal",
    periods: int = 200,
    warmup_periods: int = 20,
    replications: int = 20,
    steps_per_period: int = 20,
    seed: int = 0,
) -> SimulationResult:
    """Simulate each row's policy and measure cycle service, fill rate, average on hand,
    orders per period and stock-out cycles. Units as in :class:`PolicyInputs`."""
    rows = _Rows.build(locals(), replications, steps_per_period)
    rng = np.random.default_rng(seed)
    state = _initial_state(rows)
    warmup_steps = warmup_periods * steps_per_period
    for step in range((warmup_periods + periods) * steps_per_period):
        if step == warmup_steps:
            _reset_counters(state)
        _advance(state, rows, rng, step)
    return _summarise(state, rows, periods)


@dataclass
class _Rows:
    """Per-(row, replication) parameters in sub-step units."""

    count: int
    replications: int
    steps_per_period: int
    step_mean: NDArray
    step_sd: NDArray
    kind: NDArray  # 0 normal, 1 poisson, 2 negbin
    negbin_n: NDArray
    negbin_p: NDArray
    lead_mean_steps: NDArray
    lead_sd_steps: NDArray
    review_steps: NDArray  # 0 = continuous review
    reorder_point: NDArray
    order_quantity: NDArray
    order_up_to: NDArray
    horizon: int

    @classmethod
    def build(cls, args: dict, replications: int, m: int) -> "_Rows":
        names = (
            "demand_mean",
            "demand_sd",
            "lead_time_mean",
            "lead_time_sd",
            "review_period",
            "reorder_point",
            "order_quantity",
            "order_up_to",
        )
        arrays = np.broadcast_arrays(
            *(np.asarray(args[n], dtype=np.float64) for n in names),
            np.asarray(args["distribution"], dtype=np.str_),
        )
        d, sd, lt, lt_sd, review, s, q, target, dist = (
            np.repeat(np.atleast_1d(a), replications) for a in arrays
        )
        kind = np.select([dist == "poisson", dist == "negbin"], [1, 2], default=0)
        variance = sd * sd
        over = np.where(variance > d, variance, d * 2.0 + 1e-9)
        p = d / over
        horizon = int(np.ceil(np.max(lt + 6.0 * lt_sd) * m)) + 2
        return cls(
            count=d.shape[0] // replications,
            replications=replications,
            steps_per_period=m,
            step_mean=d / m,
            step_sd=sd / np.sqrt(m),
            kind=kind,
            negbin_n=d * p / (1.0 - p) / m,
            negbin_p=p,
            lead_mean_steps=lt * m,
            lead_sd_steps=lt_sd * m,
            review_steps=np.rint(review * m),
            reorder_point=s,
            order_quantity=q,
            order_up_to=target,
            horizon=horizon,
        )


def _initial_state(rows: _Rows) -> _State:
    """Start every replication at its order-up-to level (periodic) or s + Q (continuous)."""
    size = rows.step_mean.shape[0]
    start = np.where(
        rows.review_steps > 0, rows.order_up_to, rows.reorder_point + rows.order_quantity
    )
    zeros = np.zeros(size)
    return _State(
        net_stock=start.copy(),
        position=start.copy(),
        pipeline=np.zeros((size, rows.horizon)),
        cycle_ends=np.zeros((size, rows.horizon), np.int8),
        demand=zeros.copy(),
        short=zeros.copy(),
        on_hand_sum=zeros.copy(),
        orders=zeros.copy(),
        arrivals=zeros.copy(),
        stockout_arrivals=zeros.copy(),
    )


def _reset_counters(state: _State) -> None:
    for counter in (
        state.demand,
        state.short,
        state.on_hand_sum,
        state.orders,
        state.arrivals,
        state.stockout_arrivals,
    ):
        counter[:] = 0.0


def _advance(state: _State, rows: _Rows, rng: np.random.Generator, step: int) -> None:
    """One sub-step: receive arrivals, meet demand, review and order."""
    slot = step % rows.horizon
    arriving = state.pipeline[:, slot]
    landed = state.cycle_ends[:, slot] > 0
    state.arrivals += landed
    state.stockout_arrivals += landed & (state.net_stock < 0)
    state.net_stock += arriving
    state.pipeline[:, slot] = 0.0
    state.cycle_ends[:, slot] = 0
    demand = _draw_demand(rows, rng)
    backorders_before = np.maximum(-state.net_stock, 0.0)
    state.net_stock -= demand
    state.position -= demand
    # Units short = the net change of backorders caused by demand (a normal sub-step may be
    # negative and give units back); summed over the run this is the demand not met from stock.
    state.short += np.maximum(-state.net_stock, 0.0) - backorders_before
    state.demand += demand
    state.on_hand_sum += np.maximum(state.net_stock, 0.0)
    _order(state, rows, rng, step)


def _draw_demand(rows: _Rows, rng: np.random.Generator) -> NDArray:
    normal = rng.normal(rows.step_mean, rows.step_sd)
    demand = np.where(rows.kind == 0, normal, 0.0)
    if (rows.kind == 1).any():
        demand = np.where(rows.kind == 1, rng.poisson(rows.step_mean), demand)
    if (rows.kind == 2).any():
        n = np.where(rows.kind == 2, rows.negbin_n, 1.0)
        demand = np.where(rows.kind == 2, rng.negative_binomial(n, rows.negbin_p), demand)
    return demand


def _order(state: _State, rows: _Rows, rng: np.random.Generator, step: int) -> None:
    """Continuous: while IP ≤ s order multiples of Q. Periodic: at a review, order S − IP."""
    periodic = rows.review_steps > 0
    review_now = periodic & ((step + 1) % np.maximum(rows.review_steps, 1) == 0)
    below = rows.reorder_point - state.position
    continuous_qty = np.where(
        below >= 0, (np.floor(below / rows.order_quantity) + 1.0) * rows.order_quantity, 0.0
    )
    periodic_qty = np.where(review_now, np.maximum(rows.order_up_to - state.position, 0.0), 0.0)
    qty = np.where(periodic, periodic_qty, continuous_qty)
    # Every review ends a cycle, even one that orders nothing (a quiet period), so periodic
    # cycle service counts all review cycles, not only those with an order.
    ordering = np.flatnonzero((qty > 0) | review_now)
    if ordering.size == 0:
        return
    # Continuous review places the order at the moment IP reaches s. In a sub-step IP jumps
    # past s by an undershoot U; at the mean demand rate that moment was U / rate sub-steps
    # ago, so the order is dated back by that much (otherwise every order would lag by the
    # undershoot, whose mean σ²/(2d) does not shrink with finer sub-steps).
    crossed_back = np.where(
        periodic[ordering],
        0.0,
        below[ordering] / np.maximum(rows.step_mean[ordering], 1e-12),
    )
    arrival = step + 1.0 - crossed_back + _draw_lead_steps(rows, rng, ordering)
    slots = _stochastic_round(arrival, rng).clip(step + 1, step + rows.horizon - 1)
    slots %= rows.horizon
    state.pipeline[ordering, slots] += qty[ordering]
    state.cycle_ends[ordering, slots] = 1
    state.position[ordering] += qty[ordering]
    state.orders[ordering] += qty[ordering] > 0


def _draw_lead_steps(rows: _Rows, rng: np.random.Generator, ordering: NDArray) -> NDArray:
    """Gamma lead times in sub-steps with the rows' mean and sd (fixed when sd is 0)."""
    mean, sd = rows.lead_mean_steps[ordering], rows.lead_sd_steps[ordering]
    varies = sd > 0
    shape = np.where(varies, (mean / np.where(varies, sd, 1.0)) ** 2, 1.0)
    scale = np.where(varies, sd * sd / np.where(mean > 0, mean, 1.0), 0.0)
    return np.where(varies, rng.gamma(shape, 1.0) * scale, mean)


def _stochastic_round(time: NDArray, rng: np.random.Generator) -> NDArray[np.int64]:
    """Round to a whole sub-step, up with probability equal to the fraction: unbiased."""
    whole = np.floor(time)
    return (whole + (rng.random(time.shape) < time - whole)).astype(np.int64)


def _summarise(state: _State, rows: _Rows, periods: int) -> SimulationResult:
    """Pool replications per row."""

    def per_row(values: NDArray) -> NDArray:
        return values.reshape(rows.count, rows.replications).sum(axis=1)

    steps = periods * rows.steps_per_period * rows.replications
    demand, arrivals = per_row(state.demand), per_row(state.arrivals)
    stockouts = per_row(state.stockout_arrivals)
    with np.errstate(invalid="ignore", divide="ignore"):
        return SimulationResult(
            cycle_service=np.where(arrivals > 0, 1.0 - stockouts / arrivals, np.nan),
            fill_rate=np.where(demand > 0, 1.0 - per_row(state.short) / demand, np.nan),
            average_on_hand=per_row(state.on_hand_sum) / steps,
            orders_per_period=per_row(state.orders) / (periods * rows.replications),
            stockout_cycles=stockouts / rows.replications,
        )
