"""Runs with optimized service levels (issue #10, part 5): ``service_mode`` 'optimized', two
passes over the batches (curves and step summaries, one threshold for the whole run, then the
policies at it), the run's figures, progress, log and page, and the parameters that refuse it.

The demo network (150 SKUs × 4 locations × 80 weeks, seed 11, history ending on the pinned
clock's Monday) is loaded once for the module and committed; each test's runs roll back.
Runs execute in sync mode, or step by step through the services where a test stops between
the passes.
"""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse

from inventory.choices import BatchPhase, BatchStatus, RunStatus, ServiceType
from inventory.demo.loader import LOADED_MODELS
from inventory.demo.service import demo_network_load
from inventory.engine.backtest import backtest
from inventory.engine.from_history import policies_from_history
from inventory.engine.portfolio import THRESHOLDS, StepSummary, threshold_for
from inventory.engine.service_levels import optimize_service_levels
from inventory.models import Item, Location, PolicyRecommendation, ServiceLevelClass
from inventory.runs import portfolio
from inventory.runs import services as run_services
from inventory.runs.calibration import calibration_from_snapshot
from inventory.runs.inputs import ALL_ITEMS, batch_inputs
from inventory.runs.models import PolicyRun, RunBatch
from inventory.runs.parameters import ParameterError, RunParameters, parameters_build
from inventory.runs.pipeline import batch_curves, forecast_demand, plan_batch, portfolio_rows
from inventory.runs.planning import SegmentationPlan
from inventory.runs.portfolio import (
    curves_of,
    percent,
    portfolio_solve,
    service_bounds,
    step_summary,
)
from inventory.runs.scope import RunScope
from inventory.runs.selectors import run_progress
from inventory.runs.services import (
    policy_run_cancel,
    policy_run_plan,
    policy_run_start,
    run_batch_execute,
)
from sop_platform.bulk.writer import bulk_writer
from tests.api_helpers import client_for
from tests.inventory import test_runs_pipeline as pipeline

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

AS_OF = date(2026, 11, 23)  # the pinned clock's Monday
OPTIMIZED = {"service_mode": "optimized"}


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The module's demo network, committed; removed again after the module."""
    with django_db_blocker.unblock():
        demo_network_load(skus=150, locations=4, weeks=80, seed=11, end_date=AS_OF)
        yield
        with transaction.atomic():
            bulk_writer(connection).flush(LOADED_MODELS)


@pytest.fixture
def run_now(settings, django_capture_on_commit_callbacks):
    """Start a whole-network run and let it finish in this process; the refreshed run."""
    settings.RUNS_SYNC = True

    def start(**parameters) -> PolicyRun:
        given = {"as_of": AS_OF.isoformat(), **parameters}
        with django_capture_on_commit_callbacks(execute=True):
            run = policy_run_start(scope=RunScope(), parameters=given)
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, list(run.log_entries.values_list("message"))
        return run

    return start


def _columns(run: PolicyRun, *names: str) -> np.ndarray:
    """The run's recommendations with a policy, ``names`` as float columns (item, location
    order)."""
    rows = PolicyRecommendation.objects.filter(run=run, blocked=False).order_by("item", "location")
    return np.array(rows.values_list(*names), dtype=float).T


def _model_fill(run: PolicyRun, service: str) -> float:
    """Σ service × demand / Σ demand over the run's recommendations with a policy."""
    service_level, demand = _columns(run, service, "demand_mean")
    known = np.isfinite(service_level) & np.isfinite(demand)
    return float(np.sum(service_level[known] * demand[known]) / demand[known].sum())


def _stock_value(run: PolicyRun) -> float:
    """Σ (safety stock + half an order) × unit cost: the optimizer's expected average stock."""
    safety, quantity, cost = _columns(run, "safety_stock", "order_quantity", "item__unit_cost")
    return float(np.nansum((np.maximum(safety, 0.0) + quantity / 2.0) * cost))


# --- the optimized run --------------------------------------------------------------------


def test_an_optimized_run_reaches_the_asked_fill_for_less_stock_than_the_classes(run_now):
    # Fill-rate classes so the classes run's expected service is a fill rate too; neither run
    # calibrated, so both figures are the model's.
    ServiceLevelClass.objects.update(service_type=ServiceType.FILL)
    classes = run_now(calibrate=False)
    asked = round(_model_fill(classes, "expected_service"), 4)
    optimized = run_now(calibrate=False, aggregate_fill=asked, **OPTIMIZED)
    figures = optimized.snapshot["portfolio"]
    outcome = figures["outcome"]
    assert figures["asked"] == {"aggregate_fill": asked}
    assert outcome["fill"] == pytest.approx(asked, abs=0.002)
    assert outcome["fill"] == pytest.approx(
        figures["expected"]["fill"], abs=0.001
    )  # the estimate interpolates between grid points
    assert outcome["stock_value"] == pytest.approx(figures["expected"]["stock_value"], rel=0.001)
    # The recommendations say the same: each row's target is the fill it is promised.
    assert _model_fill(optimized, "service_target") == pytest.approx(outcome["fill"], abs=1e-9)
    assert set(_columns(optimized, "expected_service")[0] >= 0.5) == {True}
    assert _stock_value(optimized) < _stock_value(classes)
    assert outcome["stock_value"] < _stock_value(classes)
    types = PolicyRecommendation.objects.filter(run=optimized).values_list("service_type")
    assert set(types) == {("fill",)}
    assert (
        outcome["sku_locations"]
        == PolicyRecommendation.objects.filter(run=optimized, blocked=False).count()
    )
    assert (
        outcome["at_lower"] + outcome["at_upper"] + outcome["between"] == (outcome["sku_locations"])
    )
    assert outcome["at_lower"] > 0 and outcome["between"] > 0


def test_a_one_batch_run_equals_a_direct_optimize_service_levels_call(run_now):
    run = run_now(aggregate_fill=0.96, **OPTIMIZED)  # calibrated, one batch of 10,000
    assert run.total_batches == 2
    params = RunParameters.from_json(run.parameters)
    cutoffs = SegmentationPlan.from_snapshot(run.snapshot, params.as_of).cutoffs
    inputs = batch_inputs(RunScope(), params, *ALL_ITEMS)
    history, x, target = portfolio_rows(inputs, params, cutoffs)
    history, x = forecast_demand(inputs, np.arange(len(inputs)), x)  # as the run plans them
    lower, upper = service_bounds(target, params)
    direct = optimize_service_levels(
        history,
        x,
        aggregate_fill=0.96,
        min_service=lower,
        max_service=upper,
        calibration=calibration_from_snapshot(run.snapshot),
    )
    outcome = run.snapshot["portfolio"]["outcome"]
    # One sort against a threshold interpolated on a grid 1.2 % apart: both close to 96 %.
    assert 0.96 <= direct.expected_fill < 0.9615
    assert outcome["fill"] == pytest.approx(direct.expected_fill, abs=0.0015)
    assert outcome["stock_value"] == pytest.approx(direct.stock_value, rel=0.01)
    rows = PolicyRecommendation.objects.filter(run=run).order_by("item", "location")
    stored = np.array(rows.values_list("service_target", "reorder_point"), dtype=float).T
    planned = ~np.isnan(direct.policy.reorder_point)
    assert np.array_equal(planned, ~np.isnan(stored[1]))
    same = np.isclose(stored[0][planned], direct.service_level[planned], atol=1e-9)
    assert same.mean() > 0.9  # only rows at the margin differ, by one grid level
    level = np.isclose(stored[1][planned], direct.policy.reorder_point[planned])
    assert level.mean() > 0.9


def test_an_optimized_run_replays_its_targets_fitted_before_the_replayed_periods(run_now):
    run = run_now(aggregate_fill=0.97, calibrate=False, **OPTIMIZED)
    params = RunParameters.from_json(run.parameters)
    cutoffs = SegmentationPlan.from_snapshot(run.snapshot, params.as_of).cutoffs
    inputs = batch_inputs(RunScope(), params, *ALL_ITEMS)
    history, x, _ = portfolio_rows(inputs, params, cutoffs)
    rows = PolicyRecommendation.objects.filter(run=run).order_by("item", "location")
    # Uncalibrated, each row's promise is the model fill its policy was set at.
    promised = np.array(rows.values_list("service_target", flat=True), dtype=float)
    target = np.clip(np.nan_to_num(promised, nan=0.5), 1e-6, 1 - 1e-6)
    chosen = replace(x, service_level=target, service_type="fill")
    periods = params.backtest_periods
    cover = params.excess_cover_periods
    fitted = policies_from_history(history[:, :-periods], chosen, excess_cover_periods=cover)
    replayed = np.flatnonzero(np.isfinite(fitted.reorder_point))
    direct = backtest(history, x, fitted, periods, warmup=history.shape[1] - periods)
    summary = run.snapshot["backtest"]
    assert summary["out_of_sample"] is True
    assert summary["planned"]["sku_locations"] == len(replayed) > 500
    assert summary["planned"]["fill"] == pytest.approx(direct.select(replayed).total_fill)


def test_several_batches_find_the_threshold_of_one_batch(run_now):
    one = run_now(aggregate_fill=0.97, calibrate=False, **OPTIMIZED)
    several = run_now(aggregate_fill=0.97, calibrate=False, batch_size=40, **OPTIMIZED)
    assert several.total_batches > 20 and several.total_batches % 2 == 0
    a, b = one.snapshot["portfolio"], several.snapshot["portfolio"]
    assert b["batches"] == several.total_batches // 2
    assert a["threshold"] == pytest.approx(b["threshold"], rel=1e-9)
    assert a["expected"]["fill"] == pytest.approx(b["expected"]["fill"], abs=1e-12)
    reloaded = "batches_reloading_curves"
    assert (a["outcome"].pop(reloaded), b["outcome"].pop(reloaded)) == (1, b["batches"])
    assert a["outcome"] == pytest.approx(b["outcome"], rel=1e-9)
    targets = [_columns(run, "service_target")[0] for run in (one, several)]
    np.testing.assert_allclose(*targets, rtol=0, atol=1e-9)  # the same levels in both


def test_a_budget_run_stays_within_its_budget(run_now):
    asked = run_now(aggregate_fill=0.97, calibrate=False, **OPTIMIZED)
    reach = asked.snapshot["portfolio"]["reach"]
    budget = (reach["lowest"]["stock_value"] + reach["highest"]["stock_value"]) / 2
    run = run_now(budget=budget, calibrate=False, batch_size=100, **OPTIMIZED)
    figures = run.snapshot["portfolio"]
    assert figures["asked"] == {"budget": budget}
    assert figures["outcome"]["stock_value"] <= budget
    assert figures["outcome"]["stock_value"] > 0.99 * budget  # spent, up to one grid step
    # The most fill the budget buys: more than the run that spent less.
    assert figures["outcome"]["fill"] > asked.snapshot["portfolio"]["outcome"]["fill"]
    summaries = [
        StepSummary.from_json(s)
        for s in run.batches.filter(phase=BatchPhase.CURVES).values_list("portfolio", flat=True)
    ]
    total = sum(summaries[1:], summaries[0])
    assert figures["threshold"] == threshold_for(total, budget=budget)
    lower = THRESHOLDS[np.searchsorted(THRESHOLDS, figures["threshold"]) - 1]
    assert total.totals(lower)[1] > budget  # one grid point more: beyond


def test_a_band_around_the_class_targets_bounds_every_row(run_now):
    run = run_now(aggregate_fill=0.97, calibrate=False, service_band=0.02, **OPTIMIZED)
    params = RunParameters.from_json(run.parameters)
    cutoffs = SegmentationPlan.from_snapshot(run.snapshot, params.as_of).cutoffs
    inputs = batch_inputs(RunScope(), params, *ALL_ITEMS)
    history, x, target = portfolio_rows(inputs, params, cutoffs)
    history, x = forecast_demand(inputs, np.arange(len(inputs)), x)  # as the run plans them
    lower, upper = service_bounds(target, params)
    assert np.allclose(lower, np.clip(target - 0.02, 0.5, 0.999))
    assert np.allclose(upper, np.clip(target + 0.02, 0.5, 0.999))
    # Every row's promise lies between the fills of its policies at class target ± 2 pp.
    curves = curves_of(history, x, target, params, None)
    stored = PolicyRecommendation.objects.filter(run=run).order_by("item", "location")
    promised = np.array(stored.values_list("service_target", flat=True), dtype=float)
    planned = ~np.isnan(promised)
    assert np.all(promised[planned] >= curves.model_fill[planned, 0] - 1e-9)
    assert np.all(promised[planned] <= curves.model_fill[planned, -1] + 1e-9)
    wide = run_now(aggregate_fill=0.97, calibrate=False, **OPTIMIZED)
    banded, free = (r.snapshot["portfolio"]["outcome"] for r in (run, wide))
    assert banded["between"] < free["between"]
    assert banded["stock_value"] > free["stock_value"]  # less freedom, more stock


# --- two passes: progress, log, retries, failures and cancel ---------------------------------


def _step_by_step(**parameters) -> PolicyRun:
    """An optimized run planned but no batch executed (the queue never delivers here)."""
    run = policy_run_start(
        scope=RunScope(),
        parameters={
            "as_of": AS_OF.isoformat(),
            "batch_size": 200,
            "calibrate": False,
            "aggregate_fill": 0.97,
            **OPTIMIZED,
            **parameters,
        },
    )
    policy_run_plan(run.pk)
    run.refresh_from_db()
    return run


def _execute(run: PolicyRun, phase: str) -> None:
    for pk in run.batches.filter(phase=phase).order_by("number").values_list("pk", flat=True):
        run_batch_execute(pk)
    run.refresh_from_db()


def test_progress_and_the_log_show_both_passes(client, planner):
    # Unconstrained storage: a cut at a full DC adds its own line to the log (its own tests:
    # test_orders_capacity.py); this one reads the passes' lines.
    Location.objects.update(storage_capacity=None)
    run = _step_by_step()
    assert run.total_batches == 6 and run.total_rows == 600
    numbers = list(run.batches.values_list("phase", "number", "item_from"))
    assert [n for _, n, _ in numbers] == [1, 2, 3, 4, 5, 6]
    assert [p for p, _, _ in numbers] == ["curves"] * 3 + ["policies"] * 3
    assert [i for _, _, i in numbers[:3]] == [i for _, _, i in numbers[3:]]  # same slices
    progress = run_progress(run)
    assert [(p["number"], p["done_batches"], p["total_batches"]) for p in progress["passes"]] == [
        (1, 0, 3),
        (2, 0, 3),
    ]
    _execute(run, BatchPhase.CURVES)
    progress = run_progress(run)
    assert (progress["percent"], progress["done_batches"], progress["done_rows"]) == (50.0, 3, 0)
    assert progress["passes"][0]["done_batches"] == 3 and run.status == RunStatus.RUNNING
    assert run.snapshot["portfolio"]["threshold"] > THRESHOLDS[0] and "solve" in run.timings
    assert not PolicyRecommendation.objects.filter(run=run).exists()
    client.force_login(planner)
    page = client.get(reverse("inventory:run-progress", args=[run.pk])).json()
    assert page["passes_text"] == (
        "Pass 1: service-level curves: 3 of 3 batches · Pass 2: policies at the run's "
        "threshold: 0 of 3 batches"
    )
    _execute(run, BatchPhase.POLICIES)
    progress = run_progress(run)
    assert run.status == RunStatus.SUCCEEDED
    assert (progress["percent"], progress["done_rows"], progress["recommendations"]) == (
        100.0,
        600,
        600,
    )
    log = list(run.log_entries.values_list("message", flat=True))
    assert log[1] == "Planned 600 SKU-locations in 3 batches."
    assert log[2].startswith("Optimized service levels (aggregate fill 97.0 %), in two passes")
    assert log[3].startswith("Pass 1 done (3 batches): one threshold for the whole run")
    achieved = run.snapshot["portfolio"]["outcome"]["fill"]
    assert achieved == pytest.approx(0.97, abs=0.001)
    assert log[-2].startswith(f"Optimized service levels: model aggregate fill {percent(achieved)}")
    assert log[-1] == "Finished: succeeded."
    assert set(run.timings) >= {"plan", "solve", "read", "compute", "write"}


def test_retrying_a_pass_1_batch_leaves_the_summary_unchanged():
    run = _step_by_step()
    _execute(run, BatchPhase.CURVES)
    batch = run.batches.get(number=2)
    summary, figures = batch.portfolio, dict(run.snapshot["portfolio"])
    # A worker died on it after the solve: delivered again, it computes the same summary.
    RunBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING, portfolio={})
    run_batch_execute(batch.pk)
    batch.refresh_from_db()
    run.refresh_from_db()
    assert batch.status == BatchStatus.SUCCEEDED and batch.attempts == 2
    assert batch.portfolio == summary
    assert run.snapshot["portfolio"] == figures  # solved once
    _execute(run, BatchPhase.POLICIES)
    assert run.status == RunStatus.SUCCEEDED
    assert run.snapshot["portfolio"]["threshold"] == figures["threshold"]
    messages = list(run.log_entries.values_list("message", flat=True))
    assert sum(m.startswith("Pass 1 done") for m in messages) == 1


def test_a_failed_pass_1_batch_fails_the_run_before_pass_2(monkeypatch):
    run = _step_by_step()
    real = run_services.batch_curves

    def failing(inputs, *args, **kwargs):
        if 1 in inputs.item_id:  # the first batch's items
            raise RuntimeError("disk full")
        return real(inputs, *args, **kwargs)

    monkeypatch.setattr(run_services, "batch_curves", failing)
    _execute(run, BatchPhase.CURVES)
    assert run.status == RunStatus.FAILED
    statuses = dict(run.batches.values_list("number", "status"))
    assert statuses == {1: "failed", 2: "succeeded", 3: "succeeded", 4: "cancelled"} | {
        5: "cancelled",
        6: "cancelled",
    }
    assert "portfolio" not in run.snapshot
    assert not PolicyRecommendation.objects.filter(run=run).exists()
    messages = list(run.log_entries.values_list("level", "message"))
    assert (
        "error",
        "Pass 2 not started: 1 pass-1 batch(es) failed and the threshold needs every SKU-location.",
    ) in messages


def test_a_failed_pass_2_batch_leaves_the_run_partially_failed(monkeypatch):
    run = _step_by_step()
    _execute(run, BatchPhase.CURVES)
    real = run_services.plan_batch

    def failing(inputs, *args, **kwargs):
        if 1 in inputs.item_id:
            raise RuntimeError("disk full")
        return real(inputs, *args, **kwargs)

    monkeypatch.setattr(run_services, "plan_batch", failing)
    _execute(run, BatchPhase.POLICIES)
    assert run.status == RunStatus.PARTIALLY_FAILED
    outcome = run.snapshot["portfolio"]["outcome"]
    assert (
        outcome["sku_locations"]
        == PolicyRecommendation.objects.filter(run=run, blocked=False).count()
    )


@pytest.mark.parametrize("when", ["during pass 1", "between the passes"])
def test_cancel_stops_the_run_before_pass_2(when):
    run = _step_by_step()
    first = list(run.batches.filter(phase=BatchPhase.CURVES).values_list("pk", flat=True))
    run_batch_execute(first[0])
    if when == "between the passes":
        for pk in first[1:]:
            run_batch_execute(pk)
    policy_run_cancel(run)
    _execute(run, BatchPhase.CURVES)  # the queue delivers what was queued: nothing runs
    _execute(run, BatchPhase.POLICIES)
    assert run.status == RunStatus.CANCELLED
    assert not PolicyRecommendation.objects.filter(run=run).exists()
    statuses = set(run.batches.filter(phase=BatchPhase.POLICIES).values_list("status", flat=True))
    assert statuses == {BatchStatus.CANCELLED}
    messages = list(run.log_entries.values_list("message", flat=True))
    if when == "during pass 1":
        assert "Pass 2 not started: the run was cancelled." in messages
    else:
        assert any(m.startswith("Pass 1 done") for m in messages)


def test_pass_2_reloads_pass_1s_curves_and_plans_as_if_it_computed_them(
    run_now, settings, monkeypatch, tmp_path
):
    settings.RUNS_CURVES_DIR = tmp_path
    computed = []
    real = portfolio.portfolio_curves

    def counted(history, *args):
        computed.append(len(history))
        return real(history, *args)

    monkeypatch.setattr(portfolio, "portfolio_curves", counted)
    kept = run_now(aggregate_fill=0.97, batch_size=200, **OPTIMIZED)
    assert len(computed) == 3  # pass 1 only
    assert kept.snapshot["portfolio"]["outcome"]["batches_reloading_curves"] == 3
    assert not list(tmp_path.glob("*"))  # nothing left behind
    settings.RUNS_CURVES_CACHE = False
    again = run_now(aggregate_fill=0.97, batch_size=200, **OPTIMIZED)
    assert len(computed) == 3 + 6  # both passes
    assert again.snapshot["portfolio"]["outcome"]["batches_reloading_curves"] == 0
    for name in ("service_target", "reorder_point", "order_quantity", "expected_service"):
        assert np.array_equal(*(_columns(run, name)[0] for run in (kept, again)), equal_nan=True)


def test_inputs_changed_between_the_passes_are_planned_on_fresh_curves():
    run = _step_by_step()
    _execute(run, BatchPhase.CURVES)
    first = run.batches.get(number=1)
    Item.objects.filter(pk=first.item_from).update(unit_cost=F("unit_cost") * 2)
    _execute(run, BatchPhase.POLICIES)
    assert run.status == RunStatus.SUCCEEDED
    assert run.snapshot["portfolio"]["outcome"]["batches_reloading_curves"] == 2
    warning = run.log_entries.get(level="warning")
    assert warning.batch_number == 4
    assert warning.message.startswith("Inputs changed since pass 1")


# --- the run page -------------------------------------------------------------------------


def test_the_run_page_shows_the_asked_and_achieved_figures(client, planner, run_now):
    run = run_now(aggregate_fill=0.97, calibrate=False, batch_size=300, **OPTIMIZED)
    outcome = run.snapshot["portfolio"]["outcome"]
    client.force_login(planner)
    text = client.get(reverse("inventory:run-detail", args=[run.pk])).content.decode()
    assert '<h2 id="portfolio-heading">Optimized service levels</h2>' in text
    assert '<th scope="row">Asked</th><td>aggregate fill 97.0 %</td>' in text
    fill = f"{outcome['fill'] * 100:.2f} %"
    assert f'<th scope="row">Model aggregate fill achieved</th><td>{fill}</td>' in text
    value = f"{outcome['stock_value']:,.0f}"
    assert f'<th scope="row">Stock value achieved</th><td>{value}</td>' in text
    for name, key in (("lower", "at_lower"), ("upper", "at_upper")):
        row = f'<th scope="row">SKU-locations at their {name} bound</th><td>{outcome[key]:,}</td>'
        assert row in text
    assert "50.00 % to 99.90 %" in text  # the bounds
    assert "Pass 2: policies at the run&#x27;s threshold" in text  # the batches' pass
    assert "&#x27;threshold&#x27;" not in text  # not repeated as a raw snapshot value
    budget = run_now(budget=400_000, calibrate=False, **OPTIMIZED)
    text = client.get(reverse("inventory:run-detail", args=[budget.pk])).content.decode()
    assert '<th scope="row">Asked</th><td>budget 400,000</td>' in text


# --- pure pipeline --------------------------------------------------------------------------


def test_pass_2_flags_excess_with_the_runs_cover():
    batch = pipeline.inputs(1, on_hand=1000.0)
    for cover, flagged in ((4.0, True), (100.0, False)):
        params = pipeline.params(
            demand_model="history",
            excess_cover_periods=cover,
            aggregate_fill=0.95,
            **OPTIMIZED,
        )
        summary = step_summary(batch_curves(batch, params, pipeline.CUTOFFS))
        threshold = portfolio_solve([summary], params)["threshold"]
        _, planned = plan_batch(batch, params, pipeline.CUTOFFS, threshold=threshold)
        assert ("ON_HAND_ABOVE_MAX_PLUS_COVER" in planned.reasons["excess"][0]) is flagged
        assert planned.columns["service_type"].tolist() == ["fill"]
    with pytest.raises(ValueError, match="at the run's threshold"):
        plan_batch(batch, params, pipeline.CUTOFFS)


# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"service_mode": "portfolio"},
            "service_mode: 'portfolio' is not 'classes' or 'optimized'.",
        ),
        (OPTIMIZED, "service_mode: 'optimized' needs aggregate_fill or budget."),
        (
            {**OPTIMIZED, "aggregate_fill": 0.95, "budget": 1000},
            "budget: give aggregate_fill or budget, not both.",
        ),
        (
            {**OPTIMIZED, "aggregate_fill": 0.95, "demand_model": "parametric"},
            "service_mode: 'optimized' needs the 'history' demand model.",
        ),
        ({**OPTIMIZED, "aggregate_fill": 1.2}, "aggregate_fill: 1.2 is outside (0, 1)."),
        ({**OPTIMIZED, "aggregate_fill": 0}, "aggregate_fill: 0 is outside (0, 1)."),
        ({**OPTIMIZED, "aggregate_fill": "high"}, "aggregate_fill: 'high' is not a number."),
        ({**OPTIMIZED, "budget": -5}, "budget: -5 is not a positive stock value."),
        (
            {**OPTIMIZED, "budget": 10, "min_service": 0.9, "max_service": 0.8},
            "max_service: 0.8 is not above min_service 0.9.",
        ),
        (
            {**OPTIMIZED, "budget": 10, "service_band": 1.5},
            "service_band: 1.5 is outside [0, 1).",
        ),
        ({"aggregate_fill": 0.95}, "aggregate_fill: only with service_mode 'optimized'."),
        ({"min_service": 0.9}, "min_service: only with service_mode 'optimized'."),
    ],
)
def test_bad_parameter_combinations_are_refused_by_name(given, message):
    with pytest.raises(ParameterError) as refused:
        parameters_build({"as_of": "2026-11-23", **given}, service_classes={})
    assert str(refused.value) == message


def test_parameter_defaults_of_the_optimized_mode():
    def build(**given) -> RunParameters:
        return parameters_build({"as_of": "2026-11-23", **given}, service_classes={})

    classes = build()
    assert (classes.service_mode, classes.optimized, classes.min_service) == (
        "classes",
        False,
        None,
    )
    optimized = build(service_mode=" Optimized", aggregate_fill="0.95")  # as --param gives it
    assert optimized.optimized and optimized.aggregate_fill == 0.95
    assert (optimized.min_service, optimized.max_service, optimized.service_band) == (
        0.5,
        0.999,
        None,
    )
    assert build(service_mode="optimized", budget=1e6, service_band=0).service_band == 0.0
    stored = classes.as_json()  # a run stored before the mode existed plans with the classes
    for name in ("service_mode", "aggregate_fill", "budget", "min_service", "max_service"):
        del stored[name]
    assert RunParameters.from_json(stored).service_mode == "classes"


def test_the_api_refuses_an_optimized_run_without_a_target(planner):
    api = client_for(planner)
    body = {"parameters": {"service_mode": "optimized"}}
    answer = api.post("/api/v1/runs/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["parameters"]["service_mode"] == [
        "service_mode: 'optimized' needs aggregate_fill or budget."
    ]
    answer = api.post("/api/v1/runs/", {"parameters": {"service_mode": 1}}, format="json")
    assert answer.json()["parameters"]["service_mode"] == [
        "A string is expected: this is not a string."
    ]
    assert not PolicyRun.objects.exists()
