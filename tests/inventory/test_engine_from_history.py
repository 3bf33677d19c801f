"""Policies from history, the replay, calibration and the portfolio optimizer: known answers
and simulation (docs/engine.md, "Policies from history")."""

import math
from dataclasses import replace

import numpy as np
import pytest

from inventory.engine import PolicyInputs, compute_policies, demand_statistics
from inventory.engine.backtest import StockLevels, backtest
from inventory.engine.calibration import _keys, calibrate, corrected, effective_rows
from inventory.engine.empirical import sum_pmfs
from inventory.engine.flags import reason_codes
from inventory.engine.from_history import (
    clean_history,
    history_model,
    policies_from_history,
    quanta,
    with_history_statistics,
)
from inventory.engine.portfolio import (
    StepSummary,
    chosen_at,
    chosen_for,
    ironed_steps,
    summarize_steps,
    threshold_for,
)
from inventory.engine.service_levels import (
    chosen_inputs,
    finalize,
    optimize_service_levels,
    portfolio_curves,
)
from tests.inventory.engine_inputs import assert_same_policy, policy_inputs, policy_rows


def _inputs(rows: int = 1, **overrides) -> PolicyInputs:
    """Weekly fill-rate inputs with demand left to the history (NaN), ``rows`` long."""
    history_defaults = {
        "demand_mean": np.full(rows, np.nan),
        "demand_sd": np.nan,
        "lead_time_mean": 5.0,
        "review_period": 1.0,
        "service_type": "fill",
        "order_cost": 5.0,
        "on_hand": 0.0,
    }
    return policy_inputs(**{**history_defaults, **overrides})


def _fixed_size_history() -> np.ndarray:
    """2 orders of 2 units in 43 periods, the first in period 1 (the row's history starts at
    its first demand: see the test of introduced items)."""
    history = np.zeros((1, 43))
    history[0, [0, 30]] = 2.0
    return history


def test_a_rows_history_starts_at_its_first_demand():
    # Introduced in period 38 of 43: 5 orders of 2 in 5 periods is its rate, not 5 in 43.
    late = np.zeros((1, 43))
    late[0, 38:] = 2.0
    clean, _ = clean_history(late)
    assert np.isnan(clean[0, :38]).all() and np.array_equal(clean[0, 38:], late[0, 38:])
    result = policies_from_history(late, _inputs(), half_life=None)
    introduced = policies_from_history(late[:, 38:], _inputs(), half_life=None)
    assert result.order_up_to[0] == introduced.order_up_to[0] == 18  # Poisson(12) over 6
    assert np.array_equal(clean_history(np.zeros((2, 5)))[0], np.zeros((2, 5)))  # no demand
    assert clean_history(np.zeros((3, 0)))[0].shape == (3, 0)  # no periods


def test_orders_of_a_fixed_size_get_the_compound_level_not_the_negative_binomials():
    # Orders of exactly 2 units, 2 in 43 periods, L = 5, R = 1, 95 % fill: S = 4 (98.0 %;
    # S = 3 gives 88.4 %). The moment-matched negative binomial asks for 5.
    history = _fixed_size_history()
    result = policies_from_history(history, _inputs(), half_life=None)
    assert result.distribution[0] == "empirical"
    assert result.order_up_to[0] == 4
    assert result.expected_service[0] == pytest.approx(0.9803, abs=1e-4)
    stats = demand_statistics(history)
    parametric = _inputs(demand_mean=stats.mean[0], demand_sd=stats.sd[0])
    assert compute_policies(parametric).order_up_to[0] == 5


def test_hand_computed_fill_of_the_empirical_sum():
    # One period: 0 w.p. 41/43, 2 w.p. 2/43. Over L + R = 6 periods the number of orders is
    # binomial(6, 2/43); at S = 2 the shortage per cycle is E[(X6 − 2)⁺] − E[(X5 − 2)⁺].
    p = 2 / 43
    binom = lambda n, k: math.comb(n, k) * p**k * (1 - p) ** (n - k)  # noqa: E731
    excess = lambda n: sum(binom(n, k) * max(2 * k - 2, 0) for k in range(n + 1))  # noqa: E731
    fill = 1 - (excess(6) - excess(5)) / (2 * p)
    assert fill == pytest.approx(0.7880921574, abs=1e-9)
    result = policies_from_history(
        _fixed_size_history(), _inputs(service_level=0.78), half_life=None
    )
    assert result.order_up_to[0] == 2
    assert result.expected_service[0] == pytest.approx(fill, abs=1e-9)


def test_a_return_is_left_out_of_the_demand_and_reported():
    with_return = np.zeros((1, 43))
    with_return[0, [5, 20, 21]] = [1.0, 6.0, -6.0]
    without = np.where(with_return < 0, 0.0, with_return)
    a = policies_from_history(with_return, _inputs())
    b = policies_from_history(without, _inputs())
    assert a.order_up_to[0] == b.order_up_to[0]
    assert a.safety_stock[0] == b.safety_stock[0]
    assert a.order_up_to[0] < 20  # the raw statistics (mean 0.02, sd 1.3) asked for 133
    assert "RETURNS_IN_HISTORY" in reason_codes(a.data_quality_reasons[0])
    assert "RETURNS_IN_HISTORY" not in reason_codes(b.data_quality_reasons[0])


def _compound_poisson(rng, rows: int, periods: int) -> np.ndarray:
    """Arrivals Poisson(0.3) a period, each of 1, 2 or 5 units (probabilities .5, .3, .2)."""
    arrivals = rng.poisson(0.3, (rows, periods))
    sizes = np.array([1.0, 2.0, 5.0])
    demand = np.zeros((rows, periods))
    for count in range(1, int(arrivals.max()) + 1):
        draw = rng.choice(sizes, (rows, periods), p=[0.5, 0.3, 0.2])
        demand += np.where(arrivals >= count, draw, 0.0)
    return demand


@pytest.mark.parametrize("lead_time", [2.0, 8.0])
def test_compound_poisson_demand_gets_the_fill_it_was_promised_in_simulation(lead_time):
    rng = np.random.default_rng(7)
    history = _compound_poisson(rng, 300, 2_000)
    future = _compound_poisson(rng, 300, 3_000)
    x = _inputs(300, lead_time_mean=lead_time)
    policy = policies_from_history(history, x, half_life=None)
    assert set(policy.distribution) == {"empirical"}
    replay = backtest(np.hstack([history, future]), x, policy, 3_000)
    assert replay.total_fill == pytest.approx(0.95, abs=0.01)


def test_the_replay_serves_backorders_and_counts_stock_by_hand():
    # S = 5, L = 1, R = 1, demand 3 a period: the order placed at the end of a period (for
    # what was used) arrives for the period after next. Warm-up of 2 periods from S.
    history = np.array([[3.0, 3.0, 3.0, 3.0, 3.0, 3.0]])
    levels = StockLevels(np.array([5.0]), np.array([5.0]))
    x = _inputs(lead_time_mean=1.0, unit_cost=2.0)
    result = backtest(history, x, levels, holdout=4)
    # net stock: start 5; p1: 5→2, order 3; p2: 2→-1 (served 2), order 3 (position 2→5);
    # p3: +3 → 2 → -1, served 2; p4: +3 → 2 → -1 ... steady: 2 served of 3 each period.
    assert result.demand[0] == 12
    assert result.served[0] == 8
    assert result.stockout_periods[0] == 4
    assert result.average_on_hand[0] == 0
    assert result.fill[0] == pytest.approx(8 / 12)
    assert result.orders[0] == 4
    big = backtest(history, x, StockLevels(np.array([6.0]), np.array([6.0])), holdout=4)
    assert big.total_fill == 1.0
    assert big.average_value[0] == pytest.approx(0.0 * 2.0)


def test_the_replay_rounds_orders_to_the_moq_and_skips_blocked_rows():
    history = np.array([[1.0] * 8, [1.0] * 8])
    x = _inputs(2, lead_time_mean=0.0, moq=4.0)
    levels = StockLevels(np.array([1.0, np.nan]), np.array([2.0, np.nan]))
    result = backtest(history, x, levels, holdout=6, warmup=0)
    assert result.served[0] == 6  # never short: orders of 4 arrive the next period
    assert result.orders[0] == 2
    assert result.served[1] == 0 and result.average_on_hand[1] == 0


def test_fractional_and_very_large_demand_are_counted_in_their_own_quanta():
    history = np.zeros((3, 52))
    history[0, ::4] = 0.5
    history[1, ::4] = 3.0
    history[2, ::2] = 40_000.0
    x = with_history_statistics(_inputs(3), history)
    quantum = quanta(history, x)
    assert quantum[0] == pytest.approx(0.1)
    assert quantum[1] == 1.0
    assert quantum[2] > 100.0
    result = policies_from_history(history, _inputs(3))
    assert np.all(np.isfinite(result.order_up_to))
    assert result.order_up_to[0] == pytest.approx(round(result.order_up_to[0] / 0.1) * 0.1)
    assert result.expected_service[2] >= 0.95 - 1e-9


def _portfolio(rng) -> tuple[np.ndarray, PolicyInputs]:
    rows = 120
    history = _compound_poisson(rng, rows, 104) * rng.integers(1, 4, rows)[:, None]
    cost = np.exp(rng.normal(3.0, 1.5, rows))
    return history, _inputs(rows, unit_cost=cost, lead_time_mean=4.0)


def test_optimized_levels_meet_the_aggregate_fill_for_less_stock_than_uniform_targets():
    history, x = _portfolio(np.random.default_rng(3))
    uniform = optimize_service_levels(
        history, x, aggregate_fill=0.95, min_service=0.95, max_service=0.95
    )
    optimized = optimize_service_levels(history, x, aggregate_fill=uniform.expected_fill)
    assert optimized.expected_fill == pytest.approx(uniform.expected_fill, abs=0.001)
    assert optimized.stock_value < 0.8 * uniform.stock_value
    assert optimized.service_level.min() < 0.95 < optimized.service_level.max()
    fill, value = optimized.frontier.T
    assert np.all(np.diff(fill) >= 0) and np.all(np.diff(value) >= 0)


def test_a_budget_buys_the_most_fill_and_bounds_hold():
    history, x = _portfolio(np.random.default_rng(4))
    free = optimize_service_levels(history, x, aggregate_fill=0.97)
    budget = optimize_service_levels(history, x, budget=free.stock_value)
    assert budget.stock_value <= free.stock_value + 1e-6
    assert budget.expected_fill == pytest.approx(0.97, abs=0.001)
    bounded = optimize_service_levels(
        history, x, aggregate_fill=0.9, min_service=0.9, max_service=0.98
    )
    assert bounded.service_level.min() >= 0.9 and bounded.service_level.max() <= 0.98
    with pytest.raises(ValueError, match="either"):
        optimize_service_levels(history, x)


def test_calibration_corrects_a_slipping_promise_and_records_why():
    rng = np.random.default_rng(11)
    rows = 200
    # Demand whose rate doubles in the last year: a stationary model under-delivers.
    early = _compound_poisson(rng, rows, 104)
    late = _compound_poisson(rng, rows, 52) + _compound_poisson(rng, rows, 52)
    history = np.hstack([early, late])
    x = _inputs(rows)
    result = calibrate(history, x, window=13, origins=3, iterations=3)
    group = {g.pattern: g for g in result.groups}
    assert group, "no calibration group"
    for found in group.values():
        assert found.promised == pytest.approx(0.95)
        assert abs(found.achieved_after - 0.95) < abs(found.achieved_before - 0.95)
        assert found.factor < 1.0
    assert result.evidence()[0]["pattern"] in group
    targets = result.targets(history, x)
    assert np.all(targets > 0.95)
    assert np.allclose(corrected(np.array([0.95]), np.array([0.5])), 0.975)


def test_a_group_too_small_to_measure_takes_the_factor_of_all_rows_of_its_type():
    rng = np.random.default_rng(5)
    # 200 rows of compound-Poisson demand (growing, as above) and 8 smooth rows: too few for
    # a factor of their own.
    many = np.hstack([_compound_poisson(rng, 200, 104), 2 * _compound_poisson(rng, 200, 52)])
    smooth = rng.poisson(20.0, (8, 156)).astype(float)
    history = np.vstack([many, smooth])
    x = _inputs(208)
    result = calibrate(history, x, window=13, origins=3, iterations=3)
    by_pattern = {g.pattern: g for g in result.groups}
    pooled = by_pattern["any"]
    assert pooled.rows == 208  # calibrated over every row of the service type ...
    own = [g for g in result.groups if g.pattern != "any"]
    assert own and all(g.rows >= 20 for g in own)  # ... the large groups on their own rows
    assert "smooth" not in by_pattern and sum(g.rows for g in own) <= 200
    alone = calibrate(history, x, window=13, origins=3, iterations=3, sample=None)
    assert alone.groups == result.groups  # no sampling below 20,000 rows
    factors = result.factor(np.array(["smooth", own[0].pattern]), np.array(["fill", "fill"]))
    assert factors[0] == pooled.factor and factors[1] == own[0].factor
    assert pooled.factor != 1.0


def test_groups_count_rows_by_their_weight_in_the_achieved_fill():
    # Kish: 30 rows of equal demand count as 30; 30 rows, two of which hold 98 % of the
    # units, count as about 2 (effective_rows is (Σw)² / Σw²).
    assert effective_rows(np.full(30, 5.0)) == pytest.approx(30.0)
    lopsided = np.r_[np.full(28, 1.0), 700.0, 700.0]
    assert effective_rows(lopsided) == pytest.approx(1428.0**2 / (28 + 2 * 700.0**2))
    assert effective_rows(np.zeros(4)) == 0.0
    # 200 lumpy rows of equal weight keep their own group; 30 erratic rows, two of which
    # carry almost every unit, back off to the pooled group.
    pattern = np.array(["lumpy"] * 200 + ["erratic"] * 30 + ["none"])
    weight = np.r_[np.ones(200), lopsided, 0.0]
    keys = _keys(pattern, np.full(231, "fill"), weight)
    assert set(keys[:200]) == {"lumpy|fill"} and set(keys[200:230]) == {"any|fill"}
    assert keys[230] == ""  # no demand before the origin: left out


def test_policies_from_history_keeps_a_callers_mean_and_distribution():
    history = _fixed_size_history()
    given = policies_from_history(history, _inputs(demand_mean=0.1, demand_sd=0.4))
    assert given.distribution[0] != "empirical"
    chosen = policies_from_history(history, replace(_inputs(), demand_distribution="normal"))
    assert chosen.distribution[0] == "normal"
    with pytest.raises(ValueError, match="rows"):
        policies_from_history(np.zeros((2, 10)), _inputs())


def test_the_tilted_short_fft_matches_a_direct_convolution():
    # 20 periods of a pmf on 0..2: the sum reaches 40 units, beyond the FFT of 4 tables of 8
    # units that the tilt allows; the first 8 values must agree with np.convolve.
    period = np.array([[0.7, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0]])
    exact = np.array([1.0])
    for _ in range(20):
        exact = np.convolve(exact, period[0, :3])
    # 20.5 periods: one more period with probability 1/2; both lengths from one spectrum.
    summed, half = sum_pmfs(period, [np.array([20.0]), np.array([20.5])])
    assert np.allclose(summed[0], exact[:8], atol=1e-12)
    more = np.convolve(exact, period[0, :3])[:8]
    assert np.allclose(half[0], 0.5 * exact[:8] + 0.5 * more, atol=1e-12)
    three = np.convolve(np.convolve(period[0, :3], period[0, :3]), period[0, :3])
    short, _ = sum_pmfs(period, [np.array([3.0]), np.array([20.0])])  # squarings shared
    assert np.allclose(short[0], np.pad(three, (0, 1)), atol=1e-12)


def test_large_rows_order_whole_multiples_of_lot_size_and_case_pack():
    # 3,000 units a period: the row is counted in quanta of more than a unit; lot 120 and case
    # pack 24 must still give whole multiples of 120 (a fractional quantum once gave 2.77M).
    history = np.full((1, 52), 3_000.0)
    history[0, ::3] = 1_000.0
    x = _inputs(lot_size=120.0, case_pack=24.0, review_period=0.0, on_hand=-1.0)
    result = policies_from_history(history, x, excess_cover_periods=2.0)
    assert quanta(history, with_history_statistics(x, history))[0] > 1.0
    assert result.order_quantity[0] % 120 == 0
    assert 120 <= result.order_quantity[0] < 20_000
    assert result.recommended_qty[0] % 120 == 0
    invalid = policies_from_history(history, _inputs(lot_size=0.0))
    assert "CONSTRAINT_INVALID" in reason_codes(invalid.data_quality_reasons[0])


def test_the_fill_curve_agrees_with_the_policy_at_its_own_level():
    history, x = _portfolio(np.random.default_rng(5))
    x = replace(x, review_period=np.where(np.arange(len(x)) % 2, 1.0, 0.0))
    policy = policies_from_history(history, x)
    bounds = np.full(len(x), 0.95), np.full(len(x), 0.99)
    curves = portfolio_curves(history, x, *bounds, None)
    assert np.allclose(curves.level[:, 0], policy.reorder_point, rtol=1e-12)
    assert np.allclose(curves.model_fill[:, 0], policy.expected_service, atol=1e-9)
    assert np.all(np.diff(curves.level, axis=1) >= 0)
    assert np.all(np.diff(curves.model_fill, axis=1) >= -1e-12)


def test_the_policy_at_a_level_is_the_one_policies_from_history_finds_there():
    rng = np.random.default_rng(8)
    history, x = _portfolio(rng)
    rows = len(x)
    x = replace(
        x,
        service_level=rng.uniform(0.5, 0.999, rows),
        review_period=np.where(np.arange(rows) % 2, 1.0, 0.0),
        lot_size=np.where(np.arange(rows) % 3 == 0, 6.0, 1.0),
        shelf_life=np.where(np.arange(rows) % 2, 10.0, np.inf),  # periodic rows only
    )
    found = policies_from_history(history, x)
    assert "empirical" in set(found.distribution) and "shelf_life" in set(found.binding_constraint)
    model = history_model(history, x)
    given = model.policies_at(found.reorder_point, found.expected_service, 4.0)
    assert_same_policy(found, given)


def test_finalize_sets_the_chosen_level_and_searches_where_the_quantity_follows_safety():
    # Continuous review with a shelf life: compute_policies caps the quantity with the safety
    # stock of the uncapped one, so those rows are searched at the chosen level's model fill.
    rng = np.random.default_rng(9)
    history, x = _portfolio(rng)
    rows = len(x)
    follows = np.arange(rows) % 4 == 0
    x = replace(
        x,
        review_period=np.where(np.arange(rows) % 2, 1.0, 0.0),
        shelf_life=np.where(follows | (np.arange(rows) % 4 == 1), 6.0, np.inf),
    )
    curves = portfolio_curves(history, x, np.full(rows, 0.6), np.full(rows, 0.99), None)
    chosen = rng.integers(0, curves.level.shape[1], rows)
    promised, policy = finalize(history, x, curves, chosen)
    at = (np.arange(rows), chosen)
    searched = policies_from_history(history, chosen_inputs(x, curves, chosen))
    assert "shelf_life" in set(searched.binding_constraint[follows])
    assert_same_policy(policy_rows(searched, follows), policy_rows(policy, follows))
    assert np.allclose(policy.reorder_point[~follows], curves.level[at][~follows], rtol=1e-12)
    assert np.allclose(policy.expected_service[~follows], curves.model_fill[at][~follows])
    assert np.allclose(promised, curves.model_fill[at])  # uncalibrated: the model's fill


def test_two_passes_over_batches_find_the_one_multiplier_of_the_whole_population():
    history, x = _portfolio(np.random.default_rng(6))
    bounds = np.full(len(x), 0.5), np.full(len(x), 0.999)
    whole = optimize_service_levels(history, x, aggregate_fill=0.96)
    batches = np.array_split(np.arange(len(x)), 3)
    curves = [
        portfolio_curves(history[b], x.take(b), *(v[b] for v in bounds), None) for b in batches
    ]
    total = sum((summarize_steps(c) for c in curves[1:]), summarize_steps(curves[0]))
    at = threshold_for(total, aggregate_fill=0.96)
    fill, value = total.totals(at)
    assert fill == pytest.approx(0.96, abs=1e-9)  # interpolated between two grid points
    assert value == pytest.approx(whole.stock_value, rel=0.01)
    short = sum(c.short[np.arange(len(c.demand)), chosen_at(c, at)].sum() for c in curves)
    assert 1.0 - short / total.demand == pytest.approx(0.96, abs=0.001)  # the steps taken
    within = threshold_for(total, budget=value)
    assert total.totals(within)[1] <= value + 1e-6
    again = StepSummary.from_json(total.as_json())
    assert again.totals(at) == total.totals(at)


def test_batches_take_exactly_the_steps_of_one_sort_of_all_of_them():
    history, x = _portfolio(np.random.default_rng(10))
    bounds = np.full(len(x), 0.5), np.full(len(x), 0.999)
    batches = np.array_split(np.arange(len(x)), 3)
    curves = [
        portfolio_curves(history[b], x.take(b), *(v[b] for v in bounds), None) for b in batches
    ]
    total = sum((summarize_steps(c) for c in curves[1:]), summarize_steps(curves[0]))
    # One stable sort of every step, batch after batch, row after row (the single-array form).
    steps = [ironed_steps(c) for c in curves]
    gain, cost, ironed = (np.concatenate([part[k].ravel() for part in steps]) for k in range(3))
    row = np.repeat(np.arange(len(x)), curves[0].level.shape[1] - 1)
    order = np.argsort(-ironed, kind="stable")
    for fill in (0.9, 0.96, 0.99):
        taken = np.searchsorted(np.cumsum(gain[order]), total.needed(fill) - 1e-12) + 1
        expected = np.bincount(row[order[: min(taken, order.size)]], minlength=len(x))
        chosen = chosen_for(curves, total, aggregate_fill=fill)
        assert np.array_equal(np.concatenate(chosen), expected)
    budget = total.start_value + 0.4 * float(cost.sum())
    taken = np.searchsorted(np.cumsum(cost[order]), budget - total.start_value, side="right")
    expected = np.bincount(row[order[:taken]], minlength=len(x))
    assert np.array_equal(np.concatenate(chosen_for(curves, total, budget=budget)), expected)
