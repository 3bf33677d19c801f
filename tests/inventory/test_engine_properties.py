"""Properties of the engine that must hold for any inputs (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.engine import compute_policies, round_order_quantity
from tests.inventory.engine_inputs import policy_inputs

positive = st.floats(min_value=0.5, max_value=500, allow_nan=False)
service = st.sampled_from([0.8, 0.9, 0.95, 0.98, 0.99, 0.995])
kinds = st.sampled_from(["cycle", "fill"])
review = st.sampled_from([0.0, 1.0, 2.0])
distributions = st.sampled_from(["normal", "auto"])


def _safety(**fields) -> float:
    return float(compute_policies(policy_inputs(**fields)).safety_stock[0])


@settings(max_examples=60, deadline=None)
@given(
    d=positive,
    cv=st.floats(0.05, 1.0),
    lt=st.floats(0.5, 12),
    kind=kinds,
    r=review,
    dist=distributions,
    low=service,
    high=service,
)
def test_safety_stock_rises_with_the_service_target(d, cv, lt, kind, r, dist, low, high):
    low, high = sorted((low, high))
    common = {
        "demand_mean": d,
        "demand_sd": d * cv,
        "lead_time_mean": lt,
        "service_type": kind,
        "review_period": r,
        "demand_distribution": dist,
    }
    assert _safety(service_level=low, **common) <= _safety(service_level=high, **common) + 1e-6


@settings(max_examples=60, deadline=None)
@given(
    d=positive,
    cv=st.floats(0.05, 1.0),
    lt=st.floats(0.5, 12),
    lt_cv=st.floats(0, 0.5),
    kind=kinds,
    r=review,
    bump=st.floats(1.01, 3.0),
    which=st.sampled_from(["sd", "lt_sd", "lt"]),
)
def test_safety_stock_rises_with_demand_and_lead_time_variability(
    d, cv, lt, lt_cv, kind, r, bump, which
):
    base = {
        "demand_mean": d,
        "demand_sd": d * cv,
        "lead_time_mean": lt,
        "lead_time_sd": lt * lt_cv,
        "service_type": kind,
        "review_period": r,
        "demand_distribution": "normal",
    }
    key = {"sd": "demand_sd", "lt_sd": "lead_time_sd", "lt": "lead_time_mean"}[which]
    more = {**base, key: base[key] * bump + (0.1 if which == "lt_sd" else 0.0)}
    assert _safety(**base) <= _safety(**more) + 1e-6


@settings(max_examples=80, deadline=None)
@given(
    d=positive,
    on_hand=st.floats(-50, 2000),
    moq=st.sampled_from([0.0, 10.0, 48.0, 250.0]),
    lot=st.sampled_from([1.0, 2.5, 6.0, 12.0]),
    pack=st.sampled_from([1.0, 4.0, 24.0]),
    r=review,
    capacity=st.sampled_from([np.inf, 600.0, 5000.0]),
)
def test_recommended_orders_honour_moq_multiples_and_capacity(
    d, on_hand, moq, lot, pack, r, capacity
):
    result = compute_policies(
        policy_inputs(
            demand_mean=d,
            demand_sd=d * 0.3,
            on_hand=on_hand,
            moq=moq,
            lot_size=lot,
            case_pack=pack,
            review_period=r,
            max_stock=capacity,
        )
    )
    step = float(np.lcm(int(lot * 1000), int(pack * 1000))) / 1000
    for qty in (result.recommended_qty[0], result.order_quantity[0]):
        if qty > 0 and result.binding_constraint[0] != "infeasible":
            assert qty >= moq - 1e-9
            assert abs(qty / step - round(qty / step)) < 1e-6
    if r > 0 and np.isfinite(capacity):  # never order more than the location can hold
        fits = capacity - result.inventory_position[0]
        assert result.recommended_qty[0] <= max(fits, 0.0) + 1e-6


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 40), bad=st.integers(0, 39), seed=st.integers(0, 10_000))
def test_outputs_match_input_length_and_a_bad_row_leaves_the_others_unchanged(rows, bad, seed):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(1, 300, rows)
    good = compute_policies(policy_inputs(demand_mean=demand, demand_sd=demand * 0.3))
    assert all(
        len(getattr(good, name)) == rows
        for name in ("safety_stock", "recommended_qty", "binding_constraint")
    )
    poisoned = demand.copy()
    poisoned[bad % rows] = np.nan
    mixed = compute_policies(policy_inputs(demand_mean=poisoned, demand_sd=demand * 0.3))
    others = np.arange(rows) != bad % rows
    np.testing.assert_array_equal(mixed.safety_stock[others], good.safety_stock[others])
    np.testing.assert_array_equal(mixed.recommended_qty[others], good.recommended_qty[others])
    assert np.isnan(mixed.safety_stock[bad % rows])


@settings(max_examples=100, deadline=None)
@given(
    qty=st.floats(0, 10_000),
    moq=st.floats(0, 500),
    lot=st.sampled_from([1.0, 0.5, 5.0, 12.0]),
    pack=st.sampled_from([1.0, 6.0, 10.0]),
)
def test_rounding_is_the_smallest_valid_quantity(qty, moq, lot, pack):
    result = round_order_quantity(qty, moq, lot, pack)
    value = float(result.quantity)
    if qty <= 0:
        assert value == 0
        return
    step = float(np.lcm(int(lot * 1000), int(pack * 1000))) / 1000
    assert value >= max(qty, moq) - 1e-9
    assert abs(value / step - round(value / step)) < 1e-6
    assert value - step < max(qty, moq) + 1e-9  # one step less would be too small
