"""One batch's planning (inventory/runs/pipeline.py) on hand-built inputs, and batch cutting.

No database: ``plan_batch`` is pure numpy. Golden numbers are computed by hand in comments;
the safety stock of a cycle-service target with normal lead-time demand is z·σ_LTD with
σ_LTD = √(L·σ_d² + d²·σ_L²) (Chopra & Meindl ch. 12; Silver, Pyke & Peterson §7.12).
"""

import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.choices import ExceptionKind, Severity
from inventory.runs.inputs import BatchInputs, pair_keys
from inventory.runs.parameters import RunParameters
from inventory.runs.pipeline import FALLBACK_CLASS, demand_of, plan_batch, segments_of
from inventory.runs.planning import batches_cut

NAN = np.nan
Z_98 = 2.0537489106318225  # NORMSINV(0.98)
PERIODS_PER_YEAR = 365 / 7
# 10 weekly periods alternating 8 and 12: mean 10; Σ(x − 10)² = 10·2² = 40; sample sd
# √(40/9) = 2.1082; cv 0.21 → X. Value a year = 10 × 52.14 × unit cost.
HISTORY = [8.0, 12.0] * 5
HISTORY_SD = math.sqrt(40 / 9)
# A forecast 3 above every actual: RMSE 3 over 10 pairs.
FORECAST = [x + 3 for x in HISTORY]
CLASSES = {"AX": [0.98, "cycle"], "BX": [0.95, "fill"], "CZ": [0.9, "cycle"]}
CUTOFFS = (1000.0, 100.0)  # cost 10 → 5,214 a year: A; cost 1 → 521: B; cost 0.1 → 52: C
# Row with forecast sigma 3, L = 14 days = 2 weeks, σ_L = 0: σ_LTD = 3·√2 = 4.2426;
# LTD mean 20 (not below 20: normal, not discrete); SS = 2.05375 × 4.2426 = 8.7133.
SS_FORECAST = Z_98 * 3 * math.sqrt(2)


def params(**overrides) -> RunParameters:
    """The parametric model (the golden numbers below are its): see test_runs_history.py."""
    values = {
        "as_of": date(2025, 6, 2),
        "period_days": 7,
        "history_periods": 10,
        "service_classes": CLASSES,
        "demand_model": "parametric",
        **overrides,
    }
    return RunParameters(**values)


def inputs(n: int, **columns) -> BatchInputs:
    """``n`` rows at location 1, items 1..n: the 8/12 history with the +3 forecast, cost 10,
    14-day actual lead time, 50 on hand, no active policy; ``columns`` override per row."""

    def column(name, default, dtype=np.float64):
        array = np.asarray(columns.pop(name, default), dtype=dtype)
        one_row = array.ndim == (1 if name in ("history", "forecast") else 0)
        return np.array([array] * n) if one_row else array

    data = {
        "item_id": column("item_id", np.arange(1, n + 1), np.int64),
        "location_id": column("location_id", 1, np.int64),
        "history": column("history", HISTORY),
        "forecast": column("forecast", FORECAST),
        "unit_cost": column("unit_cost", 10.0),
        "shelf_life_days": column("shelf_life_days", np.inf),
        "on_hand": column("on_hand", 50.0),
        "on_order": column("on_order", 0.0),
        "allocated": column("allocated", 0.0),
        "backordered": column("backordered", 0.0),
        "lead_time_days": column("lead_time_days", 14.0),
        "lead_time_sd_days": column("lead_time_sd_days", 0.0),
        "lead_time_basis": column("lead_time_basis", "actual", "<U8"),
        "moq": column("moq", 0.0),
        "lot_size": column("lot_size", 1.0),
        "case_pack": column("case_pack", 1.0),
        "order_cost": column("order_cost", 50.0),
        "supplier_lane_id": column("supplier_lane_id", NAN),
        "lane_capacity": column("lane_capacity", np.inf),
        "current_safety_stock": column("current_safety_stock", NAN),
        "current_reorder_point": column("current_reorder_point", NAN),
        "current_max_level": column("current_max_level", NAN),
        "current_policy_id": column("current_policy_id", NAN),
    }
    assert not columns, f"unknown columns {sorted(columns)}"
    empty = {
        "id": np.array([], np.int64),
        "item_id": np.array([], np.int64),
        "location_id": np.array([], np.int64),
        "kind": np.array([], np.str_),
    }
    return BatchInputs(**data, open_exceptions=empty)


def exceptions_by_row(planned) -> dict[int, dict[str, tuple]]:
    found: dict[int, dict[str, tuple]] = {}
    for row, kind, severity, codes, detail, _money in planned.exceptions:
        found.setdefault(int(row), {})[str(kind)] = (str(severity), codes, detail)
    return found


# --- batches_cut -------------------------------------------------------------------------


def keys_of(items: list[int], locations: list[int] | None = None) -> np.ndarray:
    locations = locations if locations is not None else list(range(1, len(items) + 1))
    return np.sort(pair_keys(np.array(items), np.array(locations)))


def test_batches_cut_extends_a_batch_to_the_end_of_its_last_item():
    keys = keys_of([1, 1, 1, 2, 2, 3, 4, 4, 4, 4])
    # Size 4: rows 0-3 end inside item 2 → extended to row 4 (5 rows: items 1-2); then rows
    # 5-8 end inside item 4 → extended to the end (5 rows: items 3-4).
    assert batches_cut(keys, 4) == [(1, 2, 5), (3, 4, 5)]
    # Size 1: one item per batch, whatever its number of locations.
    assert batches_cut(keys, 1) == [(1, 1, 3), (2, 2, 2), (3, 3, 1), (4, 4, 4)]
    # Size 6: rows 0-5 end exactly at the end of item 3; rows 6-9 are item 4.
    assert batches_cut(keys, 6) == [(1, 3, 6), (4, 4, 4)]
    assert batches_cut(keys, 100) == [(1, 4, 10)]
    assert batches_cut(keys[:0], 10) == []


def test_batches_cut_with_large_item_ids():
    keys = keys_of([2**31 - 1, 2**31 - 1, 5_000_000], [7, 9, 3])
    assert batches_cut(keys, 1) == [(5_000_000, 5_000_000, 1), (2**31 - 1, 2**31 - 1, 2)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=25),
)
def test_batches_cover_every_row_once_and_never_split_an_item(locations_per_item, size):
    items = [item for item, count in enumerate(locations_per_item, 1) for _ in range(count)]
    locations = [loc for count in locations_per_item for loc in range(1, count + 1)]
    keys = keys_of(items, locations)
    batches = batches_cut(keys, size)
    assert sum(rows for _, _, rows in batches) == len(keys)
    previous_last = 0
    for first, last, rows in batches:
        assert previous_last < first <= last
        inside = [i for i in items if first <= i <= last]
        assert len(inside) == rows  # an item's locations all in this batch
        # At most the size plus less than one item: size + (locations of the last item − 1).
        assert rows <= size + locations_per_item[last - 1] - 1
        previous_last = last


# --- demand and sigma --------------------------------------------------------------------


def test_forecast_error_sigma_when_enough_pairs_else_history_sd():
    forecast = np.array([FORECAST] * 3)
    forecast[1, :3] = NAN  # 7 pairs: fewer than min_forecast_pairs (8)
    forecast[2, :2] = NAN  # exactly 8 pairs: enough
    rows, planned = plan_batch(inputs(3, forecast=forecast), params(), CUTOFFS)
    assert rows.tolist() == [0, 1, 2]
    columns = planned.columns
    assert columns["demand_sd_source"].tolist() == ["forecast_error", "history", "forecast_error"]
    assert columns["demand_sd"] == pytest.approx([3.0, HISTORY_SD, 3.0])
    assert columns["demand_mean"] == pytest.approx([10.0] * 3)
    assert columns["demand_periods"].tolist() == [10, 10, 10]
    assert columns["capped_periods"].tolist() == [0, 0, 0]
    assert columns["demand_pattern"].tolist() == ["smooth"] * 3
    # Row 1 with the history sd: σ_LTD = 2.1082·√2 = 2.9814; SS = 2.05375 × 2.9814 = 6.1231.
    assert columns["safety_stock"] == pytest.approx([SS_FORECAST, 6.1231, SS_FORECAST], abs=1e-4)
    assert columns["reorder_point"] == pytest.approx(
        [20 + SS_FORECAST, 26.1231, 20 + SS_FORECAST], abs=1e-4
    )
    assert columns["distribution"].tolist() == ["normal"] * 3
    # min_forecast_pairs is a run parameter: at 7 the second row uses its forecast too.
    _, planned = plan_batch(inputs(3, forecast=forecast), params(min_forecast_pairs=7), CUTOFFS)
    assert planned.columns["demand_sd_source"].tolist() == ["forecast_error"] * 3


def test_history_is_capped_before_both_statistics():
    # 103 weeks of 10 and a spike of 114 (see test_engine_history): capped at
    # c = 11 + 3·√104 = 41.594; mean = (1,030 + 41.594)/104 = 10.3038. A forecast equal to the
    # raw actuals is judged against the capped actual: one error of 41.594 − 114 = −72.406,
    # RMSE = 72.406/√104 = 7.1000.
    history = [10.0] * 103 + [114.0]
    demand = demand_of(inputs(1, history=history, forecast=history), params(history_periods=104))
    capped = 11 + 3 * math.sqrt(104)
    assert demand.capped.tolist() == [1]
    assert demand.mean == pytest.approx([(1030 + capped) / 104])
    assert demand.sd == pytest.approx([(114 - capped) / math.sqrt(104)])
    assert demand.sd == pytest.approx([7.1000], abs=1e-4)
    assert demand.sd_source.tolist() == ["forecast_error"]
    # outlier_sigmas is a run parameter: at 10 the bound is 11 + 10·√104 = 112.98, still
    # below 114; the row is capped at that bound.
    demand = demand_of(
        inputs(1, history=history, forecast=history),
        params(history_periods=104, outlier_sigmas=10.0),
    )
    assert demand.capped.tolist() == [1]
    assert demand.mean == pytest.approx([(1030 + 11 + 10 * math.sqrt(104)) / 104])


# --- lead time ---------------------------------------------------------------------------


def test_lead_time_days_become_periods_and_the_basis_is_kept():
    batch = inputs(
        4,
        lead_time_days=[14.0, 3.5, 14.0, NAN],
        lead_time_sd_days=[7.0, 0.0, 0.0, NAN],
        lead_time_basis=["actual", "promised", "transfer", "missing"],
    )
    _, planned = plan_batch(batch, params(), CUTOFFS)
    columns = planned.columns
    lead_time = columns["lead_time_mean"]
    assert lead_time[:3] == pytest.approx([2.0, 0.5, 2.0]) and np.isnan(lead_time[3])
    assert columns["lead_time_sd"][:3] == pytest.approx([1.0, 0.0, 0.0])
    assert columns["lead_time_basis"].tolist() == ["actual", "promised", "transfer", "missing"]
    # Row 0: L = 2, σ_L = 1 week, d = 10, σ_d = 3: σ_LTD = √(2·9 + 100·1) = √118 = 10.8628;
    # SS = 2.05375 × 10.8628 = 22.3094.
    assert columns["safety_stock"][0] == pytest.approx(Z_98 * math.sqrt(118), rel=1e-9)
    assert columns["safety_stock"][0] == pytest.approx(22.3094, abs=1e-4)
    assert columns["safety_stock"][2] == pytest.approx(SS_FORECAST, rel=1e-9)
    # The promised lead time is named among the data-quality reasons, without an exception;
    # a missing lead time blocks the row.
    quality = planned.reasons["data_quality"]
    assert quality[0] == [] and quality[2] == []
    assert quality[1] == ["LEAD_TIME_PROMISED"]
    assert "LEAD_TIME_INVALID" in quality[3]
    assert planned.blocked.tolist() == [False, False, False, True]
    found = exceptions_by_row(planned)
    assert ExceptionKind.DATA_QUALITY not in found.get(1, {})
    severity, codes, detail = found[3][ExceptionKind.DATA_QUALITY]
    assert severity == Severity.HIGH and "LEAD_TIME_INVALID" in codes
    assert detail == "Policy blocked until resolved."


def test_period_days_come_from_the_parameters():
    # Daily planning: 14 days are 14 periods.
    batch = inputs(1, lead_time_days=14.0, lead_time_sd_days=7.0)
    _, planned = plan_batch(batch, params(period_days=1), CUTOFFS)
    assert planned.columns["lead_time_mean"] == pytest.approx([14.0])
    assert planned.columns["lead_time_sd"] == pytest.approx([7.0])


# --- segments and service classes --------------------------------------------------------


def test_segments_from_the_population_cutoffs():
    batch = inputs(
        6,
        unit_cost=[10.0, 1.0, 0.1, NAN, 10.0, 10.0],
        history=[HISTORY, HISTORY, HISTORY, HISTORY, [0.0] * 10, [NAN] * 10],
    )
    segment = segments_of(demand_of(batch, params()), batch.unit_cost, params(), CUTOFFS)
    # 10 × 52.14 × cost: 5,214 (A), 521 (B), 52 (C); an unknown cost counts as value 0 (C);
    # zero demand has no cv but is CZ; no demand at all cannot be segmented ('').
    assert segment.tolist() == ["AX", "BX", "CX", "CX", "CZ", ""]
    # With the whole population as A (cut-off 0) or nothing in A or B:
    everything_a = segments_of(demand_of(batch, params()), batch.unit_cost, params(), (0.0, 0.0))
    assert everything_a.tolist() == ["AX", "AX", "AX", "AX", "CZ", ""]
    nothing = segments_of(demand_of(batch, params()), batch.unit_cost, params(), (np.inf, np.inf))
    assert nothing.tolist() == ["CX", "CX", "CX", "CX", "CZ", ""]


def test_segment_filter_keeps_only_those_rows_and_maps_exceptions_to_them():
    # Row 0 AX (fine), row 1 BX with nothing on hand (stock-out risk), row 2 CX.
    batch = inputs(3, unit_cost=[10.0, 1.0, 0.1], on_hand=[50.0, 0.0, 50.0])
    rows, planned = plan_batch(batch, params(), CUTOFFS, segments=("BX", "CX"))
    assert rows.tolist() == [1, 2]
    assert planned.columns["item_id"].tolist() == [2, 3]
    assert planned.columns["segment"].tolist() == ["BX", "CX"]
    assert all(len(values) == 2 for values in planned.columns.values())
    assert len(planned.blocked) == 2 and len(planned.reasons["stockout"]) == 2
    # The exception's row indexes the planned rows: 0 is item 2.
    assert {(int(r), str(k)) for r, k, *_ in planned.exceptions} == {
        (0, ExceptionKind.STOCKOUT_RISK)
    }
    rows, _ = plan_batch(batch, params(), CUTOFFS)
    assert rows.tolist() == [0, 1, 2]


def test_a_segment_filter_matching_no_row_of_the_batch_plans_nothing():
    # A segment-scoped run cuts batches by item, not by segment: many batches hold no row of
    # the segments asked for, and must come out empty rather than fail.
    batch = inputs(3, unit_cost=[10.0, 1.0, 0.1])
    rows, planned = plan_batch(batch, params(), CUTOFFS, segments=("AZ",))
    assert rows.tolist() == []
    assert planned.columns["item_id"].tolist() == []
    assert planned.exceptions == [] and len(planned.blocked) == 0


def test_a_stored_segment_wins_and_rows_without_one_are_classified_by_the_cutoffs():
    # By the cut-offs: AX, BX, CX. Stored: row 0 is CX and row 2 AX (the network's classes
    # of an earlier date); row 1 has none ('') and is classified as usual.
    batch = inputs(3, unit_cost=[10.0, 1.0, 0.1])
    stored = np.array(["CX", "", "AX"])
    _, planned = plan_batch(batch, params(), CUTOFFS, stored_segment=stored)
    assert planned.columns["segment"].tolist() == ["CX", "BX", "AX"]
    assert planned.columns["service_class"].tolist() == ["CZ", "BX", "AX"]  # CX: no class
    # A segment filter selects by the stored class.
    rows, _ = plan_batch(batch, params(), CUTOFFS, segments=("AX",), stored_segment=stored)
    assert rows.tolist() == [2]


def test_service_class_lookup_with_fallback():
    batch = inputs(
        5,
        unit_cost=[10.0, 1.0, 0.1, 10.0, 10.0],
        history=[HISTORY, HISTORY, HISTORY, [NAN] * 10, [0.0] * 10],
    )
    _, planned = plan_batch(batch, params(), CUTOFFS)
    columns = planned.columns
    assert columns["segment"].tolist() == ["AX", "BX", "CX", "", "CZ"]
    # CX has no class and the unsegmentable row none either: both fall back to CZ.
    assert FALLBACK_CLASS == "CZ"
    assert columns["service_class"].tolist() == ["AX", "BX", "CZ", "CZ", "CZ"]
    assert columns["service_target"] == pytest.approx([0.98, 0.95, 0.9, 0.9, 0.9])
    assert columns["service_type"].tolist() == ["cycle", "fill", "cycle", "cycle", "cycle"]


def test_without_a_fallback_class_the_row_is_blocked():
    batch = inputs(2, unit_cost=[10.0, 0.1])
    classes = {"AX": [0.98, "cycle"]}
    _, planned = plan_batch(batch, params(service_classes=classes), CUTOFFS)
    columns = planned.columns
    assert columns["service_class"].tolist() == ["AX", ""]
    assert columns["service_target"][0] == 0.98 and np.isnan(columns["service_target"][1])
    assert columns["service_type"].tolist() == ["cycle", ""]
    assert planned.blocked.tolist() == [False, True]
    assert "SERVICE_LEVEL_INVALID" in planned.reasons["data_quality"][1]
    assert np.isnan(columns["safety_stock"][1])


# --- blocked rows and exceptions ---------------------------------------------------------


def test_missing_demand_and_missing_cost_block_the_row():
    batch = inputs(
        3,
        history=[HISTORY, [NAN] * 10, HISTORY],
        forecast=[FORECAST, [NAN] * 10, FORECAST],
        unit_cost=[10.0, 10.0, NAN],
    )
    _, planned = plan_batch(batch, params(), CUTOFFS)
    assert planned.blocked.tolist() == [False, True, True]
    columns = planned.columns
    assert not np.isnan(columns["safety_stock"][0])
    for name in ("safety_stock", "reorder_point", "order_quantity", "recommended_qty"):
        assert np.isnan(columns[name][1:]).all(), name
    assert columns["demand_periods"].tolist() == [10, 0, 10]
    assert np.isnan(columns["demand_mean"][1])
    assert columns["demand_sd_source"][1] == "history"
    quality = planned.reasons["data_quality"]
    assert "DEMAND_MISSING" in quality[1]
    assert quality[2] == ["COST_INVALID"]
    found = exceptions_by_row(planned)
    assert 0 not in found
    for row, reason in ((1, "DEMAND_MISSING"), (2, "COST_INVALID")):
        assert set(found[row]) == {ExceptionKind.DATA_QUALITY}  # no risk flags on a blocked row
        severity, codes, detail = found[row][ExceptionKind.DATA_QUALITY]
        assert severity == Severity.HIGH
        assert reason in codes
        assert detail == "Policy blocked until resolved."


def test_negative_on_hand_is_flagged_but_the_policy_is_computed():
    _, planned = plan_batch(inputs(1, on_hand=-5.0), params(), CUTOFFS)
    assert planned.blocked.tolist() == [False]
    assert planned.columns["safety_stock"] == pytest.approx([SS_FORECAST])
    assert planned.columns["inventory_position"] == pytest.approx([-5.0])
    found = exceptions_by_row(planned)[0]
    assert found[ExceptionKind.DATA_QUALITY] == (
        Severity.MEDIUM,
        ["NEGATIVE_ON_HAND"],
        "Policy computed.",
    )
    # −5 is below both the safety stock and the lead-time demand (20): high stock-out risk.
    assert found[ExceptionKind.STOCKOUT_RISK][0] == Severity.HIGH


def test_large_policy_change_against_the_current_safety_stock():
    # Every row's new SS is 8.7133; change_tolerance 0.5.
    current = [4.0, 8.0, 0.0, NAN, 20.0, 10.0]
    history = [HISTORY] * 5 + [[NAN] * 10]  # the last row is blocked (no demand)
    batch = inputs(6, current_safety_stock=current, history=history)
    _, planned = plan_batch(batch, params(), CUTOFFS)
    change = planned.columns["safety_stock_change"]
    # 8.7133/4 − 1 = +117.8 %; 8.7133/8 − 1 = +8.9 %; from 0: no ratio; 8.7133/20 − 1 = −56.4 %.
    assert change[[0, 1, 4]] == pytest.approx(
        [SS_FORECAST / 4 - 1, SS_FORECAST / 8 - 1, SS_FORECAST / 20 - 1]
    )
    assert np.isnan(change[[2, 3, 5]]).all()
    assert planned.columns["current_safety_stock"][[0, 1, 2, 4, 5]].tolist() == [
        4.0,
        8.0,
        0.0,
        20.0,
        10.0,
    ]
    large = {
        int(row): (severity, codes, detail)
        for row, kind, severity, codes, detail, _money in planned.exceptions
        if kind == ExceptionKind.LARGE_POLICY_CHANGE
    }
    assert large == {
        0: (Severity.MEDIUM, [], "Safety stock +118% against the active policy."),
        2: (Severity.MEDIUM, [], "Safety stock from zero in the active policy."),
        4: (Severity.MEDIUM, [], "Safety stock -56% against the active policy."),
    }
    # A wider tolerance lets the −56 % pass; +118 % and from-zero still count.
    _, planned = plan_batch(batch, params(change_tolerance=0.6), CUTOFFS)
    rows = {
        int(r) for r, kind, *_ in planned.exceptions if kind == ExceptionKind.LARGE_POLICY_CHANGE
    }
    assert rows == {0, 2}


def test_a_zero_safety_stock_against_a_zero_current_one_is_no_change():
    # Zero demand: SS 0; an active policy with SS 0 is no change at all.
    batch = inputs(1, history=[0.0] * 10, forecast=[0.0] * 10, current_safety_stock=0.0)
    _, planned = plan_batch(batch, params(), CUTOFFS)
    assert planned.columns["safety_stock"] == pytest.approx([0.0])
    kinds = {str(kind) for _, kind, *_ in planned.exceptions}
    assert ExceptionKind.LARGE_POLICY_CHANGE not in kinds


def test_risk_exception_kinds_and_severities():
    # SS 8.7133, ROP 28.7133, LTD mean 20, EOQ = √(2·521.4·50/2.5) = 144.4 → max ≈ 173.
    batch = inputs(
        6,
        on_hand=[50.0, 0.0, 15.0, 25.0, 1000.0, 50.0],
        on_order=[0.0, 0.0, 100.0, 0.0, 0.0, 0.0],
        backordered=[0.0, 0.0, 0.0, 20.0, 0.0, 0.0],
        shelf_life_days=[np.inf] * 5 + [14.0],
    )
    _, planned = plan_batch(batch, params(), CUTOFFS)
    found = exceptions_by_row(planned)
    assert 0 not in found  # 50 on hand, position 50: nothing to say
    # Nothing on hand: position 0 < SS and on hand 0 < 20 → both reasons → high.
    assert found[1] == {
        ExceptionKind.STOCKOUT_RISK: (
            Severity.HIGH,
            ["POSITION_BELOW_SAFETY_STOCK", "ON_HAND_BELOW_LEAD_TIME_DEMAND"],
            "",
        )
    }
    # 15 on hand + 100 on order: position 115 is fine, on hand 15 < 20 → one reason → medium.
    assert found[2] == {
        ExceptionKind.STOCKOUT_RISK: (Severity.MEDIUM, ["ON_HAND_BELOW_LEAD_TIME_DEMAND"], "")
    }
    # 25 on hand, 20 backordered: position 5 < SS, on hand 25 ≥ 20 → medium.
    assert found[3] == {
        ExceptionKind.STOCKOUT_RISK: (Severity.MEDIUM, ["POSITION_BELOW_SAFETY_STOCK"], "")
    }
    # 1,000 on hand > max + 4 periods of demand (≈ 173 + 40) → medium excess.
    assert found[4] == {
        ExceptionKind.EXCESS_RISK: (Severity.MEDIUM, ["ON_HAND_ABOVE_MAX_PLUS_COVER"], "")
    }
    # Shelf life 14 days = 2 weeks of demand = 20 units < 50 on hand → high excess. (The
    # order quantity is capped at d·shelf life − SS = 11.3 → 11, so max = 39.7 and
    # 50 < 39.7 + 40: not above max plus cover.)
    assert found[5] == {
        ExceptionKind.EXCESS_RISK: (Severity.HIGH, ["ON_HAND_BEYOND_SHELF_LIFE"], "")
    }
    assert planned.columns["binding_constraint"][5] == "shelf_life"
    assert planned.columns["order_quantity"][5] == pytest.approx(11.0)
    assert planned.reasons["stockout"][0] == [] and planned.reasons["excess"][0] == []
