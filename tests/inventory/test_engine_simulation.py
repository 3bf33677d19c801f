"""Simulation proves the policies: achieved service matches the target the engine was given.

Populations are drawn at random (seeded) over realistic ranges. Lead-time variability is kept
to at most half the interval between orders, since the σ_LTD formula assumes orders do not
overtake each other; a separate test shows the policy stays conservative when they do.
"""

import numpy as np
import pytest

from inventory.engine import compute_policies, eoq, simulate_policies
from tests.inventory.engine_inputs import DEFAULTS, policy_inputs

TARGETS = np.array([0.90, 0.95, 0.98, 0.99])


def _population(rng: np.random.Generator, n: int, *, crossing: bool = False) -> dict:
    demand = rng.uniform(20, 200, n)
    lead_time = rng.integers(1, 9, n).astype(float)
    review = np.where(rng.random(n) < 0.35, rng.integers(1, 4, n), 0).astype(float)
    order_interval = np.where(
        review > 0, review, eoq(demand * 52, DEFAULTS["order_cost"], 2.5) / demand
    )
    lead_time_sd = lead_time * rng.uniform(0.0, 0.25, n)
    if not crossing:
        lead_time_sd = np.minimum(lead_time_sd, 0.5 * order_interval)
    return {
        "demand_mean": demand,
        "demand_sd": demand * rng.uniform(0.1, 0.4, n),
        "lead_time_mean": lead_time,
        "lead_time_sd": lead_time_sd,
        "review_period": review,
        "service_level": rng.choice(TARGETS, n),
        "service_type": rng.choice(["cycle", "fill"], n),
    }


def _simulate(rows: dict, policy, **options):
    return simulate_policies(
        demand_mean=rows["demand_mean"],
        demand_sd=rows["demand_sd"],
        lead_time_mean=rows["lead_time_mean"],
        lead_time_sd=rows["lead_time_sd"],
        review_period=rows["review_period"],
        reorder_point=policy.reorder_point,
        order_quantity=policy.order_quantity,
        order_up_to=policy.order_up_to,
        distribution=policy.distribution,
        **options,
    )


def _achieved(rows: dict, simulated) -> np.ndarray:
    return np.where(rows["service_type"] == "cycle", simulated.cycle_service, simulated.fill_rate)


def _segments(rows: dict):
    for periodic in (False, True):
        for kind in ("cycle", "fill"):
            for target in TARGETS:
                mask = (
                    ((rows["review_period"] > 0) == periodic)
                    & (rows["service_type"] == kind)
                    & (rows["service_level"] == target)
                )
                yield f"{'periodic' if periodic else 'continuous'} {kind} {target}", mask


def test_normal_demand_policies_meet_their_targets_within_one_point():
    rows = _population(np.random.default_rng(2026), 2400)
    rows["demand_distribution"] = "normal"
    policy = compute_policies(policy_inputs(**rows))
    achieved = _achieved(rows, _simulate(rows, policy, periods=200, replications=10, seed=7))
    # Where the target is already met without safety stock (SS is never negative), the
    # policy delivers more: it is judged against its own expected service, as reported.
    claimed = np.maximum(rows["service_level"], policy.expected_service)
    lifted = policy.expected_service > rows["service_level"] + 1e-6
    assert abs(np.mean(achieved - claimed)) < 0.01
    assert abs(np.mean((achieved - rows["service_level"])[~lifted])) < 0.01
    for name, mask in _segments(rows):
        assert mask.sum() >= 50, name
        assert abs(np.mean(achieved[mask] - claimed[mask])) < 0.01, name
        plain = mask & ~lifted
        if plain.sum() >= 30:
            assert abs(np.mean(achieved[plain] - rows["service_level"][plain])) < 0.01, name


def test_slow_movers_under_poisson_and_negative_binomial_meet_their_targets():
    rng = np.random.default_rng(11)
    n = 1200
    demand = rng.uniform(0.2, 3.0, n)
    dispersion = np.where(rng.random(n) < 0.5, 1.0, rng.uniform(1.5, 4.0, n))
    rows = {
        "demand_mean": demand,
        "demand_sd": np.sqrt(demand * dispersion),
        "lead_time_mean": rng.integers(1, 5, n).astype(float),
        "lead_time_sd": 0.0,
        "review_period": np.where(rng.random(n) < 0.4, 1.0, 0.0),
        "service_level": rng.choice(TARGETS, n),
        "service_type": rng.choice(["cycle", "fill"], n),
    }
    policy = compute_policies(policy_inputs(**rows, order_cost=20.0))
    assert set(np.unique(policy.distribution)) == {"poisson", "negbin"}
    achieved = _achieved(rows, _simulate(rows, policy, periods=300, replications=10, seed=3))
    # A level held at ⌈mean⌉ by the never-negative safety stock rule serves more than asked;
    # those rows are judged against the service the engine reports for them.
    floored = policy.reorder_point <= np.ceil(policy.ltd_mean)
    for distribution in ("poisson", "negbin"):
        for kind in ("cycle", "fill"):
            for periodic in (False, True):
                segment = (
                    (policy.distribution == distribution)
                    & (rows["service_type"] == kind)
                    & ((rows["review_period"] > 0) == periodic)
                )
                name = (distribution, kind, periodic)
                claim = np.mean(achieved[segment] - policy.expected_service[segment])
                assert abs(claim) <= 0.02, (name, claim)
                plain = segment & ~floored
                assert plain.sum() >= 40, name
                gap = np.mean(achieved[plain] - rows["service_level"][plain])
                assert -0.005 <= gap <= 0.02, (name, gap)


def test_when_orders_overtake_each_other_the_policy_stays_conservative():
    rows = _population(np.random.default_rng(5), 800, crossing=True)
    rows["review_period"] = np.ones(800)  # weekly review with lead-time sd up to 2 weeks
    rows["demand_distribution"] = "normal"
    policy = compute_policies(policy_inputs(**rows))
    achieved = _achieved(rows, _simulate(rows, policy, periods=200, replications=8, seed=9))
    assert np.mean(achieved - policy.expected_service) > -0.005


@pytest.mark.parametrize("periodic", [False, True])
def test_simulation_measures_what_it_claims(periodic):
    # No variability at all: never a stock-out, average on hand = SS + Q/2 over the cycle.
    rows = {
        "demand_mean": 10.0,
        "demand_sd": 0.0,
        "lead_time_mean": 2.0,
        "lead_time_sd": 0.0,
        "review_period": 2.0 if periodic else 0.0,
    }
    policy = compute_policies(policy_inputs(**rows, order_cost=5.0, unit_cost=1.0))
    simulated = _simulate(rows, policy, periods=100, replications=2, steps_per_period=10)
    assert simulated.cycle_service[0] == 1.0 and simulated.fill_rate[0] == 1.0
    cycle = policy.order_quantity[0] / 10.0 if not periodic else 2.0
    assert simulated.orders_per_period[0] == pytest.approx(1.0 / cycle, rel=0.05)
    expected_on_hand = 10.0 * cycle / 2.0
    assert simulated.average_on_hand[0] == pytest.approx(expected_on_hand, rel=0.1)
