"""compute_policies: hand-computed policies, discrete slow movers, flags and bad rows."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import nbinom, poisson

from inventory.engine import Reason, compute_policies, reason_codes
from inventory.engine.policies import policies_at_levels
from tests.inventory.engine_inputs import DEFAULTS, assert_same_policy, policy_inputs


def test_engine_does_not_import_django():
    code = "import sys, inventory.engine; print('django' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_continuous_review_cycle_service_by_hand():
    # d = 100/week, σ_d = 20, L = 4 weeks, σ_L = 1 week, CSL 95 %:
    # σ_LTD = √(4·400 + 100²·1) = √11,600 = 107.70; SS = 1.6449 × 107.70 = 177.16;
    # ROP = 400 + 177.16 = 577.16 (Chopra & Meindl ch. 12).
    # EOQ = √(2 · 5,200 · 50 / (10 × 0.25)) = 456.07 → 457 (whole units);
    # min = ROP, max = ROP + Q = 1,034.16.
    r = compute_policies(policy_inputs(lead_time_sd=1.0))
    assert r.ltd_sd[0] == pytest.approx(math.sqrt(11_600))
    assert r.safety_stock[0] == pytest.approx(1.644854 * math.sqrt(11_600), rel=1e-6)
    assert r.reorder_point[0] == pytest.approx(577.156, abs=1e-3)
    assert r.order_quantity[0] == 457
    assert (r.min_level[0], r.max_level[0]) == pytest.approx((577.156, 1034.156), abs=1e-3)
    assert r.expected_service[0] == pytest.approx(0.95)
    assert r.distribution[0] == "normal" and r.binding_constraint[0] == "multiple"
    # decomposition by variance share: demand 1,600 / 11,600, lead time 10,000 / 11,600
    assert r.ss_demand[0] == pytest.approx(r.safety_stock[0] * 1600 / 11600)
    assert r.ss_demand[0] + r.ss_lead_time[0] == pytest.approx(r.safety_stock[0])


def test_continuous_review_fill_rate_by_hand():
    # β = 0.98, σ_LTD = 40, Q = 457: G(k) = 0.02 × 457 / 40 = 0.2285 (Silver, Pyke &
    # Peterson eq. 7.21); table G(0.40) = 0.2304, G(0.41) = 0.2270 → k = 0.4056, SS = 16.2.
    r = compute_policies(policy_inputs(service_level=0.98, service_type="fill"))
    assert r.safety_factor[0] == pytest.approx(0.4056, abs=1e-3)
    assert r.safety_stock[0] == pytest.approx(40 * r.safety_factor[0])
    assert r.expected_service[0] == pytest.approx(0.98)


def test_fill_rate_safety_stock_is_never_negative():
    # β = 0.5 with a large Q: k < 0, but the policy keeps SS = 0 and delivers more service.
    r = compute_policies(policy_inputs(service_level=0.5, service_type="fill"))
    assert r.safety_factor[0] < 0
    assert r.safety_stock[0] == 0
    assert r.expected_service[0] > 0.5


def test_periodic_review_order_up_to_by_hand():
    # R = 2, L = 4: S = 100·6 + 1.6449·20·√6 = 600 + 80.58 = 680.58; order S − IP.
    r = compute_policies(policy_inputs(review_period=2.0, on_hand=100.0, on_order=50.0))
    assert r.order_up_to[0] == pytest.approx(600 + 1.644854 * 20 * math.sqrt(6), rel=1e-6)
    assert r.inventory_position[0] == 150
    assert r.recommended_qty[0] == math.ceil(r.order_up_to[0] - 150)
    assert r.order_quantity[0] == 200  # expected order size d·R
    assert r.periods_until_order[0] == 0


def test_recommended_order_continuous_lifts_position_above_reorder_point():
    # ROP = 400 + 1.6449·40 = 465.8, Q = 457: IP = 0 → one Q is not enough (457 < 465.8),
    # so two multiples (914); IP = 300 → one Q; IP = 600 → nothing, reached in 1.342 weeks.
    r = compute_policies(policy_inputs(on_hand=[0.0, 300.0, 600.0], allocated=[0.0, 0.0, 0.0]))
    assert list(r.recommended_qty) == [914, 457, 0]
    assert r.periods_until_order[2] == pytest.approx((600 - r.reorder_point[2]) / 100)
    assert list(r.periods_until_order[:2]) == [0, 0]


def test_inventory_position_nets_allocations_and_backorders():
    r = compute_policies(policy_inputs(on_hand=200, on_order=80, allocated=30, backordered=10))
    assert r.inventory_position[0] == 240


@pytest.mark.parametrize(("mean", "target", "expected"), [(2.0, 0.95, 5), (0.5, 0.90, 1)])
def test_poisson_slow_mover_reorder_point_is_the_smallest_integer_meeting_the_target(
    mean, target, expected
):
    # Poisson(2): F(4) = 0.9473 < 0.95 ≤ F(5) = 0.9834 → s = 5.
    # Poisson(0.5): F(0) = 0.6065, F(1) = 0.9098 ≥ 0.90 → s = 1.
    r = compute_policies(
        policy_inputs(demand_mean=mean / 4, demand_sd=math.sqrt(mean / 4), service_level=target)
    )
    assert r.distribution[0] == "poisson"
    assert r.reorder_point[0] == expected
    assert poisson.cdf(expected - 1, mean) < target <= poisson.cdf(expected, mean)
    assert r.expected_service[0] == pytest.approx(poisson.cdf(expected, mean))


def test_negative_binomial_for_overdispersed_slow_movers():
    # mean 4, variance 12 over the lead time → NB(n = 2, p = 1/3); smallest s with F(s) ≥ 0.9.
    r = compute_policies(
        policy_inputs(demand_mean=1.0, demand_sd=math.sqrt(3.0), service_level=0.9)
    )
    expected = nbinom.ppf(0.9, 2, 1 / 3)
    assert r.distribution[0] == "negbin"
    assert r.reorder_point[0] == expected
    assert nbinom.cdf(expected - 1, 2, 1 / 3) < 0.9 <= nbinom.cdf(expected, 2, 1 / 3)


def test_fast_movers_and_forced_distributions():
    r = compute_policies(
        policy_inputs(
            demand_mean=[100.0, 1.0, 1.0],
            demand_sd=[20.0, 1.0, 1.0],
            demand_distribution=["auto", "normal", "poisson"],
        )
    )
    assert list(r.distribution) == ["normal", "normal", "poisson"]


def test_shelf_life_caps_the_order_quantity():
    # 3 weeks of shelf life at 100/week, SS = 65.8: Q ≤ 300 − 65.8 = 234.2 → 234.
    r = compute_policies(policy_inputs(shelf_life=3.0))
    assert r.order_quantity[0] == 234
    assert r.binding_constraint[0] == "shelf_life"


def test_capacity_caps_the_order_quantity_and_conflicts_are_flagged():
    r = compute_policies(policy_inputs(max_stock=[300.0, 300.0], moq=[0.0, 1000.0]))
    assert r.order_quantity[0] == 234 and r.binding_constraint[0] == "capacity"
    assert r.order_quantity[1] == 1000 and r.binding_constraint[1] == "infeasible"
    assert "ORDER_CONSTRAINTS_CONFLICT" in reason_codes(r.data_quality_reasons[1])


def test_the_policy_at_a_given_level_is_the_one_compute_policies_finds_there():
    # Random targets over normal, Poisson and negative-binomial rows, cycle and fill,
    # continuous and periodic, with MOQs, lots, shelf lives and capacities (binding on
    # periodic and cycle rows, where the level does not depend on the quantity), bad rows.
    rng = np.random.default_rng(12)
    rows = 600
    periodic = rng.random(rows) < 0.5
    fill = rng.random(rows) < 0.5
    mean = np.exp(rng.uniform(np.log(0.2), np.log(400.0), rows))
    capped = periodic | ~fill
    x = policy_inputs(
        demand_mean=np.where(rng.random(rows) < 0.02, np.nan, mean),
        demand_sd=mean * rng.uniform(0.2, 2.0, rows),
        lead_time_mean=rng.integers(0, 9, rows).astype(float),
        lead_time_sd=np.where(rng.random(rows) < 0.3, 1.0, 0.0),
        review_period=np.where(periodic, rng.integers(1, 4, rows), 0).astype(float),
        service_level=rng.uniform(0.5, 0.999, rows),
        service_type=np.where(fill, "fill", "cycle"),
        moq=np.where(rng.random(rows) < 0.2, 50.0, 0.0),
        lot_size=np.where(rng.random(rows) < 0.2, 12.0, 1.0),
        shelf_life=np.where(capped & (rng.random(rows) < 0.3), 3.0, np.inf),
        max_stock=np.where(capped & (rng.random(rows) < 0.2), 6.0 * mean, np.inf),
        on_hand=np.where(rng.random(rows) < 0.02, np.nan, rng.uniform(0.0, 8.0, rows) * mean),
    )
    found = compute_policies(x)
    assert set(found.distribution) == {"normal", "poisson", "negbin", ""}
    assert {"shelf_life", "capacity"} <= set(found.binding_constraint)
    given = policies_at_levels(x, found.reorder_point, found.expected_service)
    assert_same_policy(found, given)


def test_risk_flags_with_reasons():
    r = compute_policies(
        policy_inputs(on_hand=[10.0, 5000.0, 450.0], shelf_life=[np.inf, np.inf, 4.0])
    )
    assert r.reasons(0)["stockout_risk"] == [
        "POSITION_BELOW_SAFETY_STOCK",
        "ON_HAND_BELOW_LEAD_TIME_DEMAND",
    ]
    assert r.reasons(1)["excess_risk"] == ["ON_HAND_ABOVE_MAX_PLUS_COVER"]
    assert r.reasons(2)["excess_risk"] == ["ON_HAND_BEYOND_SHELF_LIFE"]
    assert list(r.stockout_risk) == [True, False, False]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("demand_mean", np.nan, Reason.DEMAND_MISSING),
        ("demand_mean", -5.0, Reason.DEMAND_NEGATIVE),
        ("lead_time_mean", np.nan, Reason.LEAD_TIME_INVALID),
        ("lead_time_sd", -1.0, Reason.LEAD_TIME_SD_INVALID),
        ("service_level", 1.0, Reason.SERVICE_LEVEL_INVALID),
        ("service_level", np.nan, Reason.SERVICE_LEVEL_INVALID),
        ("service_type", "sometimes", Reason.SERVICE_TYPE_INVALID),
        ("unit_cost", np.nan, Reason.COST_INVALID),
        ("order_cost", -1.0, Reason.COST_INVALID),
        ("lot_size", 0.0, Reason.CONSTRAINT_INVALID),
    ],
)
def test_a_bad_row_gets_nan_outputs_and_leaves_the_others_unchanged(field, value, reason):
    rows = {"demand_mean": np.array([100.0, 50.0, 10.0])}
    good = compute_policies(policy_inputs(**rows))
    values = np.array([rows.get(field, [DEFAULTS[field]] * 3)]).ravel()
    values[1] = value
    mixed = compute_policies(policy_inputs(**{**rows, field: values}))
    assert mixed.data_quality_reasons[1] & reason
    assert np.isnan(mixed.safety_stock[1]) and np.isnan(mixed.recommended_qty[1])
    for name in ("safety_stock", "reorder_point", "order_quantity", "recommended_qty"):
        assert getattr(mixed, name)[[0, 2]] == pytest.approx(getattr(good, name)[[0, 2]])


def test_negative_on_hand_is_flagged_but_still_computed():
    r = compute_policies(policy_inputs(on_hand=-20.0))
    assert reason_codes(r.data_quality_reasons[0]) == ["NEGATIVE_ON_HAND"]
    assert r.inventory_position[0] == -20 and r.recommended_qty[0] > 0


def test_missing_stock_record_keeps_the_policy_but_not_the_order():
    r = compute_policies(policy_inputs(on_hand=np.nan))
    assert reason_codes(r.data_quality_reasons[0]) == ["POSITION_INVALID"]
    assert r.safety_stock[0] > 0 and np.isnan(r.recommended_qty[0])


def test_mismatched_lengths_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="demand_sd has 2 rows; expected 3"):
        policy_inputs(demand_mean=[1.0, 2.0, 3.0], demand_sd=[1.0, 2.0])


def test_an_empty_batch_gives_an_empty_result():
    """A batch whose every row was filtered out (e.g. by segment) is planned, not refused."""
    result = compute_policies(policy_inputs(demand_mean=np.array([]), service_type=np.array([])))
    assert len(result.safety_stock) == 0
    assert result.stockout_reasons.shape == (0,)
