"""The SKU-location page: every number of a recommendation explained, equal to what the engine
computes for that row; access (scope, permission); a constant number of queries; a real demo
run with both demand models."""

from dataclasses import replace
from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from demand.models import DemandHistory
from governance.choices import ExceptionKind
from inventory.engine import PolicyInputs, compute_policies
from inventory.engine.from_history import policies_from_history
from inventory.models import PolicyRecommendation
from inventory.reasons import reason_text
from inventory.runs.forecast_level import at_level
from inventory.runs.models import PolicyRun
from inventory.runs.parameters import RunParameters
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from sop_platform.display import units
from supply.models import SupplierLane
from tests.factories import (
    make_demand,
    make_exception,
    make_item,
    make_location,
    make_policy,
    make_recommendation,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]


def page_url(item_id: int, location_id: int) -> str:
    return reverse("inventory:sku-location", args=[item_id, location_id])


def start_demo_run(settings, capture, model: str) -> PolicyRun:
    """The demo network (20 SKUs × 3 locations, 30 weeks) planned by a run with ``model``."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    with capture(execute=True):
        run = policy_run_start(scope=RunScope(), parameters={"demand_model": model})
    run.refresh_from_db()
    assert run.recommendations.count() == 60
    return run


@pytest.fixture
def parametric_run(settings, django_capture_on_commit_callbacks) -> PolicyRun:
    return start_demo_run(settings, django_capture_on_commit_callbacks, "parametric")


@pytest.fixture
def history_run(settings, django_capture_on_commit_callbacks) -> PolicyRun:
    return start_demo_run(settings, django_capture_on_commit_callbacks, "history")


def engine_result(rec: PolicyRecommendation):
    """The row computed again by ``compute_policies`` from its stored inputs and today's
    terms (the parametric model: what the run did)."""
    params = RunParameters.from_json(rec.run.parameters)
    return compute_policies(engine_inputs(rec), excess_cover_periods=params.excess_cover_periods)


def engine_inputs(rec: PolicyRecommendation) -> PolicyInputs:
    """The engine's inputs of the row: its stored demand and lead time, its run's
    parameters, the item's cost and shelf life and the primary lane's terms."""
    params = RunParameters.from_json(rec.run.parameters)
    lane = SupplierLane.objects.filter(item=rec.item, destination=rec.location).order_by("pk")
    lane = lane.first()
    shelf = rec.item.shelf_life_days
    return PolicyInputs(
        demand_mean=rec.demand_mean,
        demand_sd=rec.demand_sd,
        lead_time_mean=rec.lead_time_mean,
        lead_time_sd=rec.lead_time_sd,
        review_period=params.review_period,
        service_level=rec.service_target,
        service_type=rec.service_type,
        unit_cost=float(rec.item.unit_cost),
        holding_rate=params.holding_rate,
        order_cost=float(lane.order_cost) if lane else params.default_order_cost,
        periods_per_year=params.periods_per_year,
        moq=lane.moq if lane else 0.0,
        lot_size=lane.lot_size if lane else 1.0,
        case_pack=lane.case_pack if lane else 1.0,
        shelf_life=shelf / params.period_days if shelf else np.inf,
        max_stock=np.inf,
        on_hand=0.0,
        on_order=0.0,
        allocated=0.0,
        backordered=0.0,
    )


def assert_explained_as_engine(page, rec: PolicyRecommendation) -> None:
    """The page's explanation of ``rec`` equals the engine's output for that row."""
    result = engine_result(rec)
    shown = page.context["explanation"]
    assert shown.safety_stock == pytest.approx(result.safety_stock[0], rel=1e-9, abs=1e-9)
    assert shown.level == pytest.approx(result.reorder_point[0], rel=1e-9)
    assert shown.ltd_sd == pytest.approx(result.ltd_sd[0], rel=1e-12)
    assert shown.ltd_mean == pytest.approx(result.ltd_mean[0], rel=1e-12)
    assert shown.ss_demand == pytest.approx(result.ss_demand[0], rel=1e-9, abs=1e-9)
    assert shown.ss_lead_time == pytest.approx(result.ss_lead_time[0], rel=1e-9, abs=1e-9)
    assert shown.distribution == result.distribution[0]
    if result.safety_stock[0] > 0:
        assert shown.factor == pytest.approx(result.safety_factor[0], rel=1e-9)
    text = page.content.decode()
    for value in (result.safety_stock[0], result.reorder_point[0], result.ss_demand[0]):
        assert units(float(value)) in text


# --- A real demo run -----------------------------------------------------------------------


def test_parametric_run_every_row_is_explained_as_the_engine_computes_it(
    client, planner, parametric_run
):
    client.force_login(planner)
    recs = parametric_run.recommendations.filter(blocked=False).select_related("item", "run")
    distributions, projected, lead_times = set(), 0, 0
    for rec in recs.order_by("pk"):
        page = client.get(page_url(rec.item_id, rec.location_id))
        assert page.status_code == 200
        assert page.context["rec"].pk == rec.pk
        assert_explained_as_engine(page, rec)
        distributions.add(rec.distribution)
        projected += page.context["projection"] is not None
        lead_times += page.context["lead_time_chart"] is not None
    assert len(distributions) >= 2  # normal and a discrete one at least
    assert projected == recs.count() and lead_times > 0


def history_result(rec: PolicyRecommendation, target: float):
    """The row computed again by ``policies_from_history`` from its history over the run's
    window (at its forecast's level), at the page's target (after calibration)."""
    params = RunParameters.from_json(rec.run.parameters)
    history = np.full((1, params.history_periods), np.nan)
    rows = DemandHistory.objects.filter(
        item=rec.item, location=rec.location, period_start__gte=params.window_start,
        period_start__lt=params.as_of,
    )  # fmt: skip
    for day, quantity in rows.values_list("period_start", "quantity"):
        history[0, (day - params.window_start).days // params.period_days] = quantity
    # At the forecast's level when the run planned the row at one (runs.forecast_level).
    level = np.array([np.nan if rec.forecast_mean is None else rec.forecast_mean])
    history, mean = at_level(history, level)
    x = replace(engine_inputs(rec), demand_mean=mean, demand_sd=np.nan, service_level=target)
    return policies_from_history(history, x, excess_cover_periods=params.excess_cover_periods)


def test_history_run_pages_show_the_calibrated_target_and_the_implied_factor(
    client, planner, history_run
):
    client.force_login(planner)
    recs = history_run.recommendations.filter(blocked=False, distribution="empirical")
    rec = recs.select_related("item", "location", "run").order_by("pk").first()
    assert rec is not None
    page = client.get(page_url(rec.item_id, rec.location_id))
    assert page.status_code == 200
    shown = page.context["explanation"]
    assert shown.factor_kind == "implied"
    assert shown.factor == pytest.approx(rec.safety_stock / shown.ltd_sd)
    result = history_result(rec, shown.target_used)
    assert result.distribution[0] == "empirical"
    assert shown.safety_stock == pytest.approx(result.safety_stock[0], rel=1e-9)
    assert shown.level == pytest.approx(result.reorder_point[0], rel=1e-9)
    assert shown.ltd_sd == pytest.approx(result.ltd_sd[0], rel=1e-9)
    assert shown.factor == pytest.approx(result.safety_factor[0], rel=1e-9)
    if history_run.snapshot.get("calibration", {}).get("groups"):
        assert shown.calibration_factor is not None
        expected = 1 - (1 - rec.service_target) * shown.calibration_factor
        assert shown.target_used == pytest.approx(min(max(expected, 0.0), 0.9995))
    text = page.content.decode()
    assert "not a z-factor" in text and "Implied safety factor" in text
    assert page.context["backtest"] is not None  # the history model replays
    assert page.context["demand_chart"] is not None


def test_the_second_run_says_which_inputs_moved(
    client, planner, parametric_run, django_capture_on_commit_callbacks
):
    rec = parametric_run.recommendations.filter(blocked=False).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        second = policy_run_start(
            scope=RunScope(), parameters={"demand_model": "parametric", "review_period": 2}
        )
    client.force_login(planner)
    page = client.get(page_url(rec.item_id, rec.location_id))
    assert page.context["rec"].run_id == second.pk
    assert page.context["previous"].pk == rec.pk
    labels = [row.label for row in page.context["moved_inputs"]]
    assert "Review period R (periods)" in labels
    split = page.context["ss_change"]
    assert split.from_variability + split.from_factor == pytest.approx(split.total, abs=1e-9)
    assert "Why: the inputs that moved" in page.content.decode()


# --- Hand-made rows ------------------------------------------------------------------------


def make_run(as_of: str) -> PolicyRun:
    """A finished parametric run as of ``as_of``, weekly, continuous review."""
    parameters = {"as_of": as_of, "period_days": 7, "demand_model": "parametric"}
    return PolicyRun.objects.create(
        algorithm_version="test", status="succeeded", parameters=parameters
    )


@pytest.fixture
def pair():
    """SKU-1 at DC-1 with a recommendation (normal, cycle 95 %), a previous one, a policy,
    demand and two exceptions."""
    item, location = make_item(), make_location()
    old = make_recommendation(
        item,
        location,
        run=make_run("2026-11-16"),
        demand_mean=10.0,
        demand_sd=4.0,
        lead_time_mean=2.0,
        lead_time_sd=0.5,
        service_type="cycle",
        distribution="normal",
        safety_stock=10.0,
    )
    rec = make_recommendation(
        item,
        location,
        run=make_run("2026-11-23"),
        demand_mean=12.0,
        demand_sd=4.0,
        lead_time_mean=3.0,
        lead_time_sd=0.5,
        service_type="cycle",
        distribution="normal",
        safety_stock=12.5,
        ss_demand=10.0,
        ss_lead_time=2.5,
        stockout_reasons=["POSITION_BELOW_SAFETY_STOCK"],
        binding_constraint="moq",
        is_latest=True,
    )
    make_policy(item, location)
    make_exception(item, location)
    make_exception(item, location, kind=ExceptionKind.STOCKOUT_RISK, reasons=["NEGATIVE_ON_HAND"])
    return item, location, rec, old


def test_reason_codes_are_in_plain_words_with_the_code_as_title(client, planner, pair):
    item, location, rec, _ = pair
    client.force_login(planner)
    text = client.get(page_url(item.pk, location.pk)).content.decode()
    for code in ("POSITION_BELOW_SAFETY_STOCK", "COST_INVALID", "NEGATIVE_ON_HAND"):
        assert f'title="{code}">{reason_text(code)}</span>' in text
    assert ">POSITION_BELOW_SAFETY_STOCK<" not in text
    assert 'title="moq">Raised to the supplier&#x27;s minimum order quantity (MOQ)<' in text


def test_what_moved_against_the_previous_recommendation(client, planner, pair):
    item, location, rec, old = pair
    client.force_login(planner)
    page = client.get(page_url(item.pk, location.pk))
    assert page.context["previous"] == old
    moved = {row.label: row for row in page.context["moved_inputs"]}
    assert set(moved) == {"Mean demand d (per period)", "Lead time L (periods)"}
    assert moved["Mean demand d (per period)"].change == pytest.approx(0.2)
    assert moved["Lead time L (periods)"].change == pytest.approx(0.5)
    results = {row.label for row in page.context["moved_results"]}
    assert results == {"Safety stock"}


def test_the_policy_in_force_is_compared_field_by_field(client, planner, pair):
    item, location, rec, _ = pair
    client.force_login(planner)
    page = client.get(page_url(item.pk, location.pk))
    rows = {row.label: row for row in page.context["against_policy"]["rows"]}
    assert rows["Safety stock"].change == pytest.approx(0.25)  # 10 in force, 12.5 recommended
    assert not rows["Service target"].changed
    assert page.context["against_policy"]["safety_stock_money"] == pytest.approx(25.0)


def test_propose_button_for_planners_only(client, planner, executive, pair):
    item, location, rec, _ = pair
    propose = reverse("inventory:run-recommendation-propose", args=[rec.run_id, rec.pk])
    client.force_login(planner)
    assert propose in client.get(page_url(item.pk, location.pk)).content.decode()
    client.force_login(executive)
    page = client.get(page_url(item.pk, location.pk))
    assert page.status_code == 200 and propose not in page.content.decode()


def test_empty_states(client, planner):
    item, location = make_item("SKU-EMPTY"), make_location("DC-EMPTY")
    client.force_login(planner)
    page = client.get(page_url(item.pk, location.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "No recommendation yet" in text
    assert "No demand history or forecast recorded" in text
    assert "No supplier lane or transfer lane" in text
    assert "No exception has been raised" in text


# --- Access ---------------------------------------------------------------------------------


def test_unknown_ids_are_404(client, planner, pair):
    item, location, _, _ = pair
    client.force_login(planner)
    assert client.get(page_url(item.pk + 999, location.pk)).status_code == 404
    assert client.get(page_url(item.pk, location.pk + 999)).status_code == 404


def test_outside_the_scope_is_404_and_inside_it_200(client, ungranted_planner, pair):
    item, location, _, _ = pair
    client.force_login(ungranted_planner)
    assert client.get(page_url(item.pk, location.pk)).status_code == 404
    other = make_location("DC-2")
    assign_perm("inventory.view_location", ungranted_planner, other)
    ungranted_planner = type(ungranted_planner).objects.get(pk=ungranted_planner.pk)
    client.force_login(ungranted_planner)
    assert client.get(page_url(item.pk, location.pk)).status_code == 404
    assign_perm("inventory.view_location", ungranted_planner, location)
    assert client.get(page_url(item.pk, location.pk)).status_code == 200


def test_without_the_permission_403_and_anonymous_to_login(client, no_role_user, pair):
    item, location, _, _ = pair
    response = client.get(page_url(item.pk, location.pk))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(no_role_user)
    assert client.get(page_url(item.pk, location.pk)).status_code == 403
    assert client.post(page_url(item.pk, location.pk)).status_code in (403, 405)


# --- Queries --------------------------------------------------------------------------------


def _queries(client, item, location) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_url(item.pk, location.pk)).status_code == 200
    return len(captured)


def _handled_exception(item, location, user, number: int) -> None:
    """A resolved exception whose owner was then changed: two audit records, one a change."""
    from governance.services import planning_exception_update

    exception = make_exception(
        item,
        location,
        kind=ExceptionKind.EXCESS_RISK,
        status="resolved",
        resolution_notes="Stock moved.",
        batch_number=number,
    )
    planning_exception_update(exception=exception, user=user, version=exception.version, owner=user)


def test_constant_queries_whatever_the_history_exceptions_and_audit(client, planner, pair):
    item, location, _, _ = pair
    start = date(2025, 1, 6)
    make_demand(item, location, period_start=start, quantity=3)
    _handled_exception(item, location, planner, 0)
    client.force_login(planner)
    client.get(page_url(item.pk, location.pk))  # warm the per-user caches
    few = _queries(client, item, location)
    for week in range(1, 60):
        make_demand(item, location, period_start=start + timedelta(weeks=week), quantity=week)
    for number in range(1, 9):
        _handled_exception(item, location, planner, number)
    assert _queries(client, item, location) == few
