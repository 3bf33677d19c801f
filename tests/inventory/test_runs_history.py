"""Runs with the history demand model (issue #10, part 5): ``policies_from_history`` in the
batches, the run's calibration before them, the replay of our policies and the current min/max.

A tiny network is built here (no demo): 6 items × 2 locations × 60 weeks, each SKU-location
with a supplier lane (14 days: 2 periods; MOQ 10, lots of 5), a stock position and an active
min/max, every segment at a 95 % fill target. Runs execute in sync mode; the clock is pinned.
"""

import math
from datetime import date, timedelta

import numpy as np
import pytest
from django.urls import reverse

from governance.choices import ExceptionKind, Severity
from governance.models import PlanningException
from inventory.choices import BatchStatus, RunStatus, ServiceType
from inventory.engine import PolicyInputs
from inventory.engine.backtest import StockLevels, backtest
from inventory.engine.calibration import CalibrationGroup
from inventory.engine.from_history import policies_from_history
from inventory.models import InventoryPolicy, InventoryPosition, Location, ServiceLevelClass
from inventory.runs import services as run_services
from inventory.runs.calibration import calibration_from_snapshot, calibration_sample
from inventory.runs.forms import RunStartForm
from inventory.runs.inputs import ALL_ITEMS, BatchInputs, batch_inputs, pair_keys
from inventory.runs.models import PolicyRecommendation, PolicyRun, RunBatch
from inventory.runs.parameters import ParameterError, RunParameters, parameters_build
from inventory.runs.pipeline import plan_batch
from inventory.runs.planning import SegmentationPlan
from inventory.runs.scope import RunScope, scope_resolve
from inventory.runs.services import policy_run_start, run_batch_execute
from inventory.runs.views import rows_text
from tests.api_helpers import client_for
from tests.factories import (
    make_demand,
    make_item,
    make_location,
    make_policy,
    make_supplier,
    make_supplier_lane,
)
from tests.inventory import test_runs_pipeline as pipeline

pipeline_inputs = pipeline.inputs  # BatchInputs of the pipeline tests' rows
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

AS_OF = date(2026, 11, 23)  # the pinned clock's Monday
WEEKS = 60
Z_98 = 2.0537489106318225  # NORMSINV(0.98)


def weekly(pattern: str, rng: np.random.Generator) -> np.ndarray:
    """60 weeks of demand: 'smooth' (about 20 a week), 'intermittent' (one week in four,
    1-4 units), 'lumpy' (one week in five, 1-40 units)."""
    if pattern == "smooth":
        return rng.poisson(20, WEEKS).astype(float)
    every, most = (4, 4) if pattern == "intermittent" else (5, 40)
    sizes = rng.integers(1, most + 1, WEEKS).astype(float)
    return np.where(rng.random(WEEKS) < 1 / every, sizes, 0.0)


@pytest.fixture
def network(settings) -> dict:
    """The tiny network; returns {sku: pattern}."""
    settings.RUNS_SYNC = True
    for code in (a + x for a in "ABC" for x in "XYZ"):
        ServiceLevelClass.objects.create(code=code, target=0.95, service_type=ServiceType.FILL)
    rng = np.random.default_rng(5)
    supplier = make_supplier()
    locations = [make_location("DC-1"), make_location("DC-2")]
    patterns = {f"SKU-{n}": p for n, p in enumerate(["smooth", "intermittent", "lumpy"] * 2)}
    for sku, pattern in patterns.items():
        item = make_item(sku)
        for location in locations:
            _stock(item, location, weekly(pattern, rng), supplier)
    return patterns


def _stock(item, location, demand: np.ndarray, supplier) -> None:
    first = AS_OF - timedelta(weeks=len(demand))  # the last week ends before as_of
    for week, quantity in enumerate(demand):
        make_demand(item, location, period_start=first + timedelta(weeks=week), quantity=quantity)
    make_supplier_lane(supplier, item, location, moq=10, lot_size=5)
    InventoryPosition.objects.create(item=item, location=location, as_of=AS_OF, on_hand=30)
    low, high = math.ceil(2 * demand.mean()), math.ceil(5 * demand.mean()) + 1  # an ERP min/max
    make_policy(
        item,
        location,
        safety_stock=0,
        reorder_point=low,
        min_level=low,
        max_level=high,
        order_quantity=high - low,
    )


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """Start a run and let it finish in this process; the refreshed run."""

    def start(scope: RunScope | None = None, **parameters) -> PolicyRun:
        given = {"as_of": AS_OF.isoformat(), "history_periods": WEEKS, **parameters}
        with django_capture_on_commit_callbacks(execute=True):
            run = policy_run_start(scope=scope or RunScope(), parameters=given)
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, list(run.log_entries.values_list("message"))
        return run

    return start


def recommendations(run: PolicyRun) -> dict[str, PolicyRecommendation]:
    rows = PolicyRecommendation.objects.filter(run=run).select_related("item", "location")
    return {f"{r.item.sku}@{r.location.code}": r for r in rows}


# --- the history model in a run --------------------------------------------------------------


def test_a_history_run_plans_intermittent_rows_from_their_empirical_distribution(network, run_now):
    run = run_now()
    assert run.parameters["demand_model"] == "history" and run.parameters["calibrate"] is True
    planned = recommendations(run)
    assert len(planned) == 12
    for key, rec in planned.items():
        pattern = network[key.split("@")[0]]
        if pattern != "smooth":  # intermittent and lumpy rows: the history's own shape
            assert rec.demand_pattern in ("intermittent", "lumpy"), key
            assert (rec.distribution, rec.demand_sd_source) == ("empirical", "empirical"), key
        assert rec.capped_periods == 0  # the history model caps nothing
        assert not rec.blocked and rec.reorder_point is not None
        # Lot size 5 and MOQ 10: every order a multiple of 5 of at least 10.
        assert rec.order_quantity >= 10 and rec.order_quantity % 5 == pytest.approx(0, abs=1e-6)


def test_the_parametric_model_gives_todays_numbers(settings, django_capture_on_commit_callbacks):
    # One SKU-location, 10 weeks alternating 8 and 12 (mean 10, sample sd √(40/9) = 2.1082),
    # lead time 14 days = 2 weeks, 98 % cycle service, no forecast: SS = z·σ·√L =
    # 2.05375 × 2.1082 × √2 = 6.1231; ROP = d·L + SS = 26.1231 (test_runs_pipeline golden).
    settings.RUNS_SYNC = True
    for code in (a + x for a in "ABC" for x in "XYZ"):
        ServiceLevelClass.objects.create(code=code, target=0.98, service_type=ServiceType.CYCLE)
    item, location = make_item(), make_location()
    _stock(item, location, np.array([8.0, 12.0] * 5), make_supplier())
    runs = {}
    for model in ("parametric", "history"):
        with django_capture_on_commit_callbacks(execute=True):
            run = policy_run_start(
                scope=RunScope(),
                parameters={
                    "as_of": AS_OF.isoformat(),
                    "history_periods": 10,
                    "demand_model": model,
                },
            )
        runs[model] = PolicyRecommendation.objects.get(run=run)
        assert run.parameters["backtest_periods"] == 10  # all of a history shorter than 13
    parametric = runs["parametric"]
    safety = Z_98 * math.sqrt(40 / 9) * math.sqrt(2)
    assert parametric.safety_stock == pytest.approx(safety, rel=1e-9)
    assert parametric.safety_stock == pytest.approx(6.1231, abs=1e-4)
    assert parametric.reorder_point == pytest.approx(20 + safety, rel=1e-9)
    assert (parametric.distribution, parametric.demand_sd_source) == ("normal", "history")
    assert parametric.demand_sd == pytest.approx(math.sqrt(40 / 9))
    # A smooth row with 20 units over the lead time is one the engine keeps parametric.
    history = runs["history"]
    assert history.distribution == "normal"
    assert history.safety_stock == pytest.approx(safety, rel=1e-9)


def test_a_return_in_the_history_raises_a_data_quality_exception(network, run_now, monkeypatch):
    # DemandHistory refuses negative quantities (a CheckConstraint, and the bulk API's minimum),
    # so a return is put into the batch's history matrix as it is read.
    real = run_services.batch_inputs

    def with_a_return(*args, **kwargs) -> BatchInputs:
        inputs = real(*args, **kwargs)
        inputs.history[0, -5] = -6.0  # the first row (SKU-0@DC-1) had a return of 6 units
        return inputs

    monkeypatch.setattr(run_services, "batch_inputs", with_a_return)
    run = run_now(calibrate=False)
    rec = recommendations(run)["SKU-0@DC-1"]
    assert "RETURNS_IN_HISTORY" in rec.data_quality_reasons and not rec.blocked
    assert rec.reorder_point is not None
    exception = PlanningException.objects.get(
        item=rec.item, location=rec.location, kind=ExceptionKind.DATA_QUALITY
    )
    assert "RETURNS_IN_HISTORY" in exception.reasons
    assert (exception.severity, exception.detail) == (Severity.MEDIUM, "Policy computed.")
    others = PolicyRecommendation.objects.filter(run=run).exclude(pk=rec.pk)
    assert not any("RETURNS_IN_HISTORY" in r for r in others.values_list("data_quality_reasons"))


# --- calibration --------------------------------------------------------------------------


def test_the_snapshot_keeps_the_calibration_evidence_and_the_batches_apply_it(network, run_now):
    run = run_now(batch_size=4)  # 3 batches of 2 items
    stored = run.snapshot["calibration"]
    # 60 weeks: origins at weeks 47 and 34 (each with at least 26 weeks before it).
    assert (stored["source"], stored["sku_locations"]) == ("computed", 12)
    assert (stored["window"], stored["origins"]) == (26, 1)
    assert stored["groups"]
    for group in stored["groups"]:
        assert set(group) == {
            "pattern",
            "service_type",
            "rows",
            "promised",
            "achieved_before",
            "achieved_after",
            "factor",
            "effective_rows",
        }
        assert group["promised"] == pytest.approx(0.95) and group["service_type"] == "fill"
        assert 0 < group["effective_rows"] <= group["rows"]
    assert sum(group["rows"] for group in stored["groups"]) <= 12
    calibration = calibration_from_snapshot(run.snapshot)
    assert calibration.groups[0] == CalibrationGroup(**stored["groups"][0])
    # Every batch planned with those factors: planning the network again with them gives the
    # stored levels, and without them other levels.
    params = RunParameters.from_json(run.parameters)
    cutoffs = SegmentationPlan.from_snapshot(run.snapshot, params.as_of).cutoffs
    inputs = batch_inputs(RunScope(), params, *ALL_ITEMS)
    _, with_factors = plan_batch(inputs, params, cutoffs, calibration=calibration)
    _, without = plan_batch(inputs, params, cutoffs)
    stored_levels = PolicyRecommendation.objects.filter(run=run).values_list(
        "reorder_point", flat=True
    )
    assert sorted(stored_levels) == pytest.approx(sorted(with_factors.columns["reorder_point"]))
    assert not np.allclose(with_factors.columns["reorder_point"], without.columns["reorder_point"])
    assert (
        "Calibrated on 12 SKU-locations (1 rolling origin of 26 periods)"
        in run.log_entries.values_list("message", flat=True)[1]
    )


def test_the_calibration_sample_is_whole_items_drawn_with_the_run_id():
    keys = np.sort(pair_keys(np.repeat(np.arange(1, 11), 3), np.tile([1, 2, 3], 10)))
    assert calibration_sample(keys, 30, seed=1) is keys  # no more than the sample: all
    sample = calibration_sample(keys, 10, seed=1)
    items = np.unique(sample >> 32)
    assert len(sample) == 9 and len(items) == 3  # three whole items of 3 locations
    assert np.isin(keys, sample).sum() == 9
    assert np.array_equal(sample, calibration_sample(keys, 10, seed=1))
    others = {tuple(np.unique(calibration_sample(keys, 10, seed=s) >> 32)) for s in range(8)}
    assert len(others) > 1  # another run, another draw


def test_a_scoped_run_reuses_the_calibration_of_the_network_run(network, run_now):
    whole = run_now()
    scoped = run_now(scope_resolve(locations=["DC-2"]))
    assert scoped.snapshot["segmentation"] == "reused"
    reused = scoped.snapshot["calibration"]
    assert (reused["source"], reused["run_id"]) == ("reused", whole.pk)
    assert reused["groups"] == whole.snapshot["calibration"]["groups"]
    message = f"Calibration of run #{whole.pk} reused (the stored segmentation's)."
    assert message in scoped.log_entries.values_list("message", flat=True)


def test_without_calibration_or_with_the_parametric_model_there_is_none(network, run_now):
    assert "calibration" not in run_now(calibrate=False).snapshot
    assert "calibration" not in run_now(demand_model="parametric").snapshot


# --- the replay of our policies and the current ones ------------------------------------------


def test_the_backtest_summary_matches_a_direct_replay(network, run_now):
    run = run_now(batch_size=4, calibrate=False)
    summary = run.snapshot["backtest"]
    # The same arrays the batches read: history, lead time in periods, MOQ, multiples, cost.
    params = RunParameters.from_json(run.parameters)
    inputs = batch_inputs(RunScope(), params, *ALL_ITEMS)
    x = _replay_inputs(inputs)
    # Out of sample: our policies fitted on the weeks before the 13 replayed, not the
    # recommended ones (fitted on all of them).
    fitted = policies_from_history(inputs.history[:, :-13], x)
    ours = StockLevels(fitted.reorder_point, fitted.order_up_to)
    recommended = _levels(run, inputs)
    assert not np.array_equal(ours.order_up_to, recommended.order_up_to)
    current = StockLevels(inputs.current_reorder_point, inputs.current_max_level)
    warmup = WEEKS - 13  # the replay starts at the beginning of the window
    mine = backtest(inputs.history, x, ours, 13, warmup=warmup)
    theirs = backtest(inputs.history, x, current, 13, warmup=warmup)
    assert summary["periods"] == 13 and summary["sku_locations"] == 12
    assert summary["out_of_sample"] is True
    assert summary["demand"] == pytest.approx(mine.demand.sum())
    assert summary["ours"]["fill"] == pytest.approx(mine.total_fill)
    assert summary["ours"]["average_value"] == pytest.approx(mine.total_value)
    assert summary["current"]["fill"] == pytest.approx(theirs.total_fill)
    assert summary["current"]["average_value"] == pytest.approx(theirs.total_value)
    assert (summary["ours"]["orders"], summary["current"]["orders"]) == (
        mine.orders.sum(),
        theirs.orders.sum(),
    )
    # Holding (average value × 25 % a year × 13 weeks) plus ordering (orders × order cost).
    for side, result in (("ours", mine), ("current", theirs)):
        holding = result.average_value * 0.25 * 13 / (365 / 7)
        cost = np.nansum(holding + result.orders * inputs.order_cost)
        assert summary[side]["cost"] == pytest.approx(cost)
    assert summary["promised"] == pytest.approx(0.95)
    assert summary["planned"]["fill"] == pytest.approx(mine.total_fill)
    # The batches' sums add up to it.
    sums = list(run.batches.values_list("replay", flat=True))
    assert len(sums) == 3 and sum(s["ours_served"] for s in sums) == pytest.approx(
        summary["ours"]["served"]
    )


def _replay_inputs(inputs: BatchInputs) -> PolicyInputs:
    """The engine inputs the batches replay with: history, lead time in periods, MOQ,
    multiples, cost; demand from the history, 95 % fill."""
    return PolicyInputs(
        demand_mean=np.nan,
        demand_sd=np.nan,
        lead_time_mean=inputs.lead_time_days / 7,
        lead_time_sd=0.0,
        review_period=0.0,
        service_level=0.95,
        service_type="fill",
        unit_cost=inputs.unit_cost,
        holding_rate=0.25,
        order_cost=inputs.order_cost,
        periods_per_year=365 / 7,
        moq=inputs.moq,
        lot_size=inputs.lot_size,
        case_pack=inputs.case_pack,
        shelf_life=np.inf,
        max_stock=np.inf,
        on_hand=inputs.on_hand,
        on_order=0.0,
        allocated=0.0,
        backordered=0.0,
    )


def _levels(run: PolicyRun, inputs: BatchInputs) -> StockLevels:
    """The run's reorder points and order-up-to levels, in the batch inputs' row order."""
    rows = PolicyRecommendation.objects.filter(run=run).order_by("item_id", "location_id")
    stored = np.array(rows.values_list("item_id", "location_id", "reorder_point", "max_level"))
    assert np.array_equal(stored[:, 0], inputs.item_id)
    assert np.array_equal(stored[:, 1], inputs.location_id)
    return StockLevels(stored[:, 2], stored[:, 3])


def test_a_retried_batch_leaves_the_backtest_summary_as_it_was(network, run_now):
    run = run_now(batch_size=4)
    before = run.snapshot["backtest"]
    batch = run.batches.get(number=2)
    RunBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, finished_at=None)
    PolicyRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, finished_at=None)
    run_batch_execute(batch.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.snapshot["backtest"] == before


def test_no_replay_with_zero_backtest_periods(network, run_now):
    run = run_now(backtest_periods=0)
    assert "backtest" not in run.snapshot
    assert list(run.batches.values_list("replay", flat=True)) == [{}]


def test_rows_without_a_current_policy_are_replayed_but_not_compared(network, run_now):
    InventoryPolicy.objects.filter(location__code="DC-2").delete()
    summary = run_now().snapshot["backtest"]
    assert summary["sku_locations"] == 6 and summary["planned"]["sku_locations"] == 12
    assert summary["planned"]["demand"] > summary["demand"]


def test_a_parametric_run_replays_its_recommendations_in_sample_and_says_so(
    client, planner, network, run_now
):
    run = run_now(demand_model="parametric", batch_size=4)
    summary = run.snapshot["backtest"]
    assert summary["out_of_sample"] is False
    params = RunParameters.from_json(run.parameters)
    inputs = batch_inputs(RunScope(), params, *ALL_ITEMS)
    rows = np.flatnonzero(np.isfinite(inputs.current_max_level))
    x = _replay_inputs(inputs)
    ours = _levels(run, inputs)  # the recommended levels themselves
    mine = backtest(inputs.history, x, ours, 13, warmup=WEEKS - 13).select(rows)
    assert summary["ours"]["fill"] == pytest.approx(mine.total_fill)
    client.force_login(planner)
    text = client.get(reverse("inventory:run-detail", args=[run.pk])).content.decode()
    assert "On your last 13 periods, our policies (fitted on them too, in sample): fill" in text
    assert "these periods included (in sample)" in text


# --- the run page -------------------------------------------------------------------------


def test_the_run_page_states_the_replay_and_the_calibration(client, planner, network, run_now):
    run = run_now()
    summary = run.snapshot["backtest"]
    client.force_login(planner)
    text = client.get(reverse("inventory:run-detail", args=[run.pk])).content.decode()
    ours, current = summary["ours"], summary["current"]
    sentence = (
        "On your last 13 periods, our policies (fitted before them): fill "
        f"{ours['fill'] * 100:.1f} % at average "
        f"stock value {ours['average_value']:,.0f} with {ours['orders']:,} orders; your "
        f"current min/max: fill {current['fill'] * 100:.1f} % at "
        f"{current['average_value']:,.0f} with {current['orders']:,} orders."
    )
    assert sentence in text
    assert '<th class="num">Orders</th><th class="num">Holding + ordering cost</th>' in text
    assert f'<td class="num">{ours["cost"]:,.0f}</td></tr>' in text
    assert "fitted on the periods before these" in text
    assert "<h3>Calibration</h3>" in text
    group = run.snapshot["calibration"]["groups"][0]
    row = (
        f'<td>{group["pattern"]} (fill)</td><td class="num">{group["rows"]} '
        f"({group['effective_rows']:.0f} effective)</td>"
        f'<td class="num">95.0 %</td>'
    )
    assert row in text
    assert f"× {group['factor']:.2f}" in text
    assert "Measured on 12 SKU-locations of this run: 1 rolling origin of 26 periods." in text
    assert "fewer than 20 effective rows" in text
    # Neither is repeated as a raw snapshot value.
    assert "{&#x27;pattern&#x27;" not in text and "&#x27;ours&#x27;" not in text


def test_a_calibration_stored_before_effective_rows_still_reads_and_shows():
    group = {
        "pattern": "lumpy",
        "service_type": "fill",
        "rows": 720,
        "promised": 0.95,
        "achieved_before": 0.913,
        "achieved_after": 0.948,
        "factor": 0.27,
    }
    snapshot = {"calibration": {"groups": [group], "window": 26, "origins": 3}}
    assert calibration_from_snapshot(snapshot).groups[0].effective_rows is None
    assert rows_text(group) == "720"
    assert rows_text({**group, "effective_rows": 106.4}) == "720 (106 effective)"


# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"demand_model": "bootstrap"},
            "demand_model: 'bootstrap' is not 'history' or 'parametric'.",
        ),
        ({"demand_model": 3}, "demand_model: 3 is not 'history' or 'parametric'."),
        ({"calibrate": "maybe"}, "calibrate: 'maybe' is not true or false."),
        (
            {"demand_model": "parametric", "calibrate": True},
            "calibrate: only the 'history' demand model is calibrated.",
        ),
        ({"backtest_periods": -1}, "backtest_periods: -1 is outside [0, 520]."),
        ({"backtest_periods": 2.5}, "backtest_periods: 2.5 is not a whole number."),
        (
            {"backtest_periods": 60, "history_periods": 52},
            "backtest_periods: 60 is more than the 52 history periods.",
        ),
    ],
)
def test_bad_parameter_values_are_refused_by_name(given, message):
    with pytest.raises(ParameterError) as refused:
        parameters_build({"as_of": "2026-11-23", **given}, service_classes={})
    assert str(refused.value) == message


def test_parameter_defaults_and_spellings():
    def build(**given) -> RunParameters:
        return parameters_build({"as_of": "2026-11-23", **given}, service_classes={})

    default = build()
    assert (default.demand_model, default.calibrate, default.backtest_periods) == (
        "history",
        True,
        13,
    )
    parametric = build(demand_model="Parametric")
    assert (parametric.demand_model, parametric.calibrate) == ("parametric", False)
    assert build(calibrate="false").calibrate is False  # as `optimize --param` gives it
    assert build(calibrate="yes").calibrate is True
    assert build(demand_model="parametric", calibrate=False).calibrate is False
    # A run stored before these parameters existed planned parametrically, without replay.
    stored = default.as_json()
    for name in ("demand_model", "calibrate", "backtest_periods"):
        del stored[name]
    legacy = RunParameters.from_json(stored)
    assert (legacy.demand_model, legacy.calibrate, legacy.backtest_periods) == (
        "parametric",
        False,
        0,
    )


def test_the_start_form_and_the_api_name_a_bad_value(client, planner, network):
    client.force_login(planner)
    page = client.post(reverse("inventory:runs"), {"demand_model": "bootstrap"})
    assert page.status_code == 200
    assert "Select a valid choice. bootstrap is not one of the available choices." in (
        page.content.decode()
    )
    form = RunStartForm(
        {"demand_model": "parametric", "calibrate": "true", "backtest_periods": "4"},
        locations=Location.objects.all(),
    )
    assert form.is_valid(), form.errors
    assert form.parameters() == {
        "demand_model": "parametric",
        "calibrate": True,
        "backtest_periods": 4,
    }
    page = client.post(reverse("inventory:runs"), form.parameters())
    assert "only the &#x27;history&#x27; demand model is calibrated." in page.content.decode()
    api = client_for(planner)
    answer = api.post("/api/v1/runs/", {"parameters": {"calibrate": "yes"}}, format="json")
    assert answer.status_code == 400
    assert answer.json()["parameters"]["calibrate"] == [
        "True or false is expected: this is not true or false."
    ]
    answer = api.post("/api/v1/runs/", {"parameters": {"demand_model": "x"}}, format="json")
    assert answer.status_code == 400
    assert "is not 'history' or 'parametric'" in answer.json()["parameters"]["demand_model"][0]
    assert not PolicyRun.objects.exists()


# --- the history model in the pipeline (pure numpy) ----------------------------------------


def test_the_history_model_keeps_the_forecast_error_sd_only_where_it_stays_parametric():
    # Row 0: the pipeline tests' 8/12 history with a forecast 3 above it (RMSE 3): smooth, 20
    # units over the 2-week lead time, kept parametric: SS = z·3·√2 as in the parametric model.
    # Row 1: intermittent, with the same kind of forecast: empirical, no sd used.
    sparse = [0.0, 0.0, 6.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 5.0]
    batch = pipeline_inputs(
        2,
        history=[pipeline.HISTORY, sparse],
        forecast=[pipeline.FORECAST, [x + 3 for x in sparse]],
    )
    _, planned = plan_batch(batch, pipeline.params(demand_model="history"), pipeline.CUTOFFS)
    columns = planned.columns
    assert columns["distribution"].tolist() == ["normal", "empirical"]
    assert columns["demand_sd_source"].tolist() == ["forecast_error", "empirical"]
    assert columns["demand_sd"][0] == pytest.approx(3.0)
    since_first = sparse[2:]  # the engine reads a history from its first demand on
    assert columns["demand_sd"][1] == pytest.approx(np.std(since_first, ddof=1))
    assert columns["safety_stock"][0] == pytest.approx(pipeline.SS_FORECAST)
    assert columns["demand_pattern"].tolist() == ["smooth", "intermittent"]
    assert columns["demand_mean"] == pytest.approx([10.0, np.mean(since_first)])


def test_the_history_model_flags_excess_with_the_runs_cover():
    batch = pipeline_inputs(1, on_hand=1000.0)
    for cover, flagged in ((4.0, True), (100.0, False)):
        run = pipeline.params(demand_model="history", excess_cover_periods=cover)
        _, planned = plan_batch(batch, run, pipeline.CUTOFFS)
        # max ≈ 173; 1,000 > 173 + 4·10, but not > 173 + 100·10
        assert ("ON_HAND_ABOVE_MAX_PLUS_COVER" in planned.reasons["excess"][0]) is flagged


def test_the_history_model_orders_in_whole_multiples_of_lot_and_case_pack():
    # Erratic weeks up to 88 units, 8-week lead time: the engine counts this row in quanta of
    # about 1.4 units; lots of 120 and cases of 24 (MOQ 240) must still give multiples of 120.
    weeks = np.random.default_rng(163).gamma(0.6, 21.0, 104).round()
    batch = pipeline_inputs(
        1,
        history=weeks,
        forecast=[np.nan] * 104,
        lead_time_days=55.0,
        moq=240.0,
        lot_size=120.0,
        case_pack=24.0,
        unit_cost=1.65,
    )
    run = pipeline.params(demand_model="history", history_periods=104)
    _, planned = plan_batch(batch, run, pipeline.CUTOFFS)
    quantity = planned.columns["order_quantity"][0]
    assert planned.columns["distribution"][0] == "empirical"
    assert 240 <= quantity <= 1200
    assert quantity / 120 == pytest.approx(round(quantity / 120), abs=1e-4)
