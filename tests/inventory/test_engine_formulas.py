"""Golden cases for the engine's building blocks, computed by hand from cited formulas."""

import math

import numpy as np
import pytest

from inventory.engine import (
    abc_xyz,
    cycle_service_factor,
    demand_statistics,
    eoq,
    fill_rate_factor,
    lead_time_demand,
    normal_loss,
    round_order_quantity,
)


def test_normal_loss_matches_the_standard_table():
    # Silver, Pyke & Peterson, 3rd ed., Table B.1: G(0) = 0.3989, G(1) = 0.0833,
    # G(2) = 0.00849, G(-1) = 1.0833 (G(-k) = G(k) + k).
    assert normal_loss([0, 1, 2, -1]) == pytest.approx(
        [0.39894, 0.08332, 0.00849, 1.08332], abs=5e-5
    )


def test_cycle_service_factor_is_the_normal_quantile():
    # Chopra & Meindl ch. 12: NORMSINV(0.90) = 1.2816, NORMSINV(0.95) = 1.6449.
    assert cycle_service_factor([0.9, 0.95, 0.5]) == pytest.approx(
        [1.28155, 1.64485, 0.0], abs=1e-5
    )
    assert np.isnan(cycle_service_factor([0.0, 1.0, -0.1, np.nan])).all()


def test_fill_rate_factor_solves_the_loss_equation():
    # Silver, Pyke & Peterson eq. (7.21): G(k) = (1 − β)Q/σ.
    # β = 0.98, Q = 100, σ = 50 → G(k) = 0.04 → k = 1.36 (table: G(1.36) = 0.0401).
    # β = 0.99 → G(k) = 0.02 → k ≈ 1.663 (table: G(1.66) = 0.0206, G(1.67) = 0.0202).
    # β = 0.50 → G(k) = 1.0 → k ≈ −0.90 (negative: Q alone nearly meets the target).
    k = fill_rate_factor([0.98, 0.99, 0.5], 100, 50)
    assert k == pytest.approx([1.3602, 1.6631, -0.8995], abs=2e-4)
    assert normal_loss(k) == pytest.approx([0.04, 0.02, 1.0], rel=1e-10)


def test_fill_rate_factor_edge_cases():
    assert fill_rate_factor(0.99, 100, 0) == 0.0  # no variability: no safety factor needed
    assert np.isnan(fill_rate_factor([1.0, 0.0, 0.9], [100, 100, 0], 50)).all()
    deep = fill_rate_factor(0.999999, 1, 1000)  # G(k) = 1e-9: far in the tail
    assert normal_loss(deep) == pytest.approx(1e-9, rel=1e-6) and deep > 5


def test_lead_time_demand_with_uncertain_lead_time_chopra_example():
    # Chopra & Meindl ch. 12 (safety inventory with lead-time uncertainty): D = 2,500/day,
    # σ_D = 500, L = 7 days, s_L = 7 days → σ_L = √(7·500² + 2500²·7²) = 17,550.
    mean, sd = lead_time_demand(2500, 500, 7, 7)
    assert mean == 17_500
    assert sd == pytest.approx(17_550, abs=1)
    # CSL = 0.90 → SS = NORMSINV(0.9) × 17,550 = 22,491.
    assert cycle_service_factor(0.9) * sd == pytest.approx(22_491, abs=2)


def test_lead_time_demand_adds_the_review_period():
    # Protection interval L + R = 3 + 1 weeks, σ_d = 20 → sd = √(4·400) = 40.
    assert lead_time_demand(100, 20, 3, 0, 1) == pytest.approx((400, 40))


def test_eoq_chopra_best_buy_example():
    # Chopra & Meindl ch. 11: D = 1,000/month × 12, S = $4,000, h = 20 % of C = $500 → 980.
    assert eoq(12_000, 4_000, 0.2 * 500) == pytest.approx(979.8, abs=0.1)
    assert np.isnan(eoq(100, 10, 0))


@pytest.mark.parametrize(
    ("args", "quantity", "binding"),
    [
        ((95, 0, 1, 1), 95, "none"),
        ((3, 10, 1, 1), 10, "moq"),
        ((12, 0, 5, 4), 20, "multiple"),  # lcm(5, 4) = 20
        ((50, 0, 12, 8), 72, "multiple"),  # lcm(12, 8) = 24 → 3 × 24
        ((130, 0, 10, 1, 100), 100, "max_qty"),
        ((10, 40, 10, 1, 30), 40, "infeasible"),  # MOQ above the cap: MOQ wins, flagged
        ((0, 5, 1, 1), 0, "none"),
        ((2.4, 0, 0.5, 1), 3.0, "multiple"),  # fractional lot: lcm(0.5, 1) = 1
        ((2.4, 0, 0.5, 0.25), 2.5, "multiple"),
    ],
)
def test_round_order_quantity(args, quantity, binding):
    result = round_order_quantity(*args)
    assert float(result.quantity) == pytest.approx(quantity)
    assert str(result.binding) == binding


def test_demand_statistics_and_syntetos_boylan_classes():
    # Syntetos, Boylan & Croston (2005): ADI cut-off 1.32, CV² cut-off 0.49.
    history = np.array(
        [
            [10, 12, 8, 10, np.nan, 10],  # ADI 5/5 = 1; sizes cv² = var/mean² = 1.6/100
            [0, 5, 0, 5, 0, 5],  # ADI 6/3 = 2; constant sizes → intermittent
            [1, 20, 2, 30, 1, 25],  # ADI 1; sizes mean 13.17, var 134.8 → cv² 0.78
            [0, 1, 0, 0, 30, 0],  # ADI 6/2 = 3; sizes 1, 30 → cv² = 210.25/240.25 = 0.875
            [0, 0, 0, 0, 0, 0],
        ]
    )
    stats = demand_statistics(history)
    assert list(stats.pattern) == ["smooth", "intermittent", "erratic", "lumpy", "none"]
    assert stats.mean[0] == pytest.approx(10.0)
    assert stats.sd[0] == pytest.approx(math.sqrt(8 / 4))  # sample sd over 5 observed
    assert list(stats.periods) == [5, 6, 6, 6, 6]
    assert list(stats.nonzero_periods) == [5, 3, 6, 2, 0]
    assert stats.adi[:4] == pytest.approx([1.0, 2.0, 1.0, 3.0])
    assert stats.cv2[0] == pytest.approx(0.016)
    assert stats.cv2[3] == pytest.approx(210.25 / 240.25)


def test_abc_xyz_by_pareto_share_and_cv():
    # Values 100, 50, 30, 10, 5 (total 195): cumulative share before each row is 0, .51, .77,
    # .92, .97 → A, A, A, B, C. CV 0.2 → X, 0.6 → Y, 1.5 → Z.
    classes = abc_xyz([100, 50, 30, 10, 5, np.nan], [0.2, 0.6, 1.5, 0.1, 0.3, 0.2])
    assert list(classes) == ["AX", "AY", "AZ", "BX", "CX", ""]
