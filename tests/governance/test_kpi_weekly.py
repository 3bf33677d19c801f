"""The pure per SKU-location-week quantities (governance.kpis.weekly), hand-computed."""

import numpy as np

from governance.kpis.weekly import days_of_cover, excess_units, weekly_service


def test_service_of_each_week():
    # Weeks: enough stock; short of stock (6 on hand + 2 received for 10); negative stock
    # with a receipt; no demand; no demand row (NaN); no position (NaN stock) with demand.
    service = weekly_service(
        demand=np.array([5.0, 10, 4, 0, np.nan, 3]),
        on_hand=np.array([20.0, 6, -3, 7, 7, np.nan]),
        receipts=np.array([0.0, 2, 1, 0, 0, 0]),
    )
    np.testing.assert_array_equal(service.shipped, [5, 8, 1, 0, 0, 0])
    np.testing.assert_array_equal(service.demand_period, [1, 1, 1, 0, 0, 1])
    np.testing.assert_array_equal(service.filled, [1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(service.stockout, [0, 0, 1, 0, 0, 1])


def test_service_without_receipts_works_on_grids():
    service = weekly_service(demand=np.full((2, 3), 4.0), on_hand=np.array([[4.0, 3, 0]] * 2))
    np.testing.assert_array_equal(service.filled, [[1, 0, 0]] * 2)
    np.testing.assert_array_equal(service.stockout, [[0, 0, 1]] * 2)


def test_days_of_cover():
    # 14 on hand at 7 a week is 14 days; stock and no demand lasts for ever; no stock: 0.
    cover = days_of_cover(
        on_hand=np.array([14.0, 5, -2, np.nan]), weekly_demand=np.array([7.0, 0, 7, 7])
    )
    np.testing.assert_array_equal(cover, [14, np.inf, 0, 0])


def test_excess_above_the_max_or_beyond_the_cover():
    excess = excess_units(
        on_hand=np.array([100.0, 100, 100, -5, 100]),
        max_level=np.array([80.0, np.nan, np.nan, 10, np.nan]),
        weekly_demand=np.array([1.0, 14, np.nan, 1, 0]),
        cover_days=14,
    )
    # Policy max 80: 20. No policy: 14 days of 2 a day = 28, so 72. No policy and no demand
    # row: unknown, none. Negative stock: none. Demand of zero: everything is beyond cover.
    np.testing.assert_array_equal(excess, [20, 72, 0, 0, 100])
