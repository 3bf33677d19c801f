"""``/api/v1/runs/`` and ``/api/v1/recommendations/``: start, follow, cancel, read the output."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.choices import ExceptionKind
from governance.models import PlanningException
from inventory.choices import BatchStatus, LeadTimeBasis, RunStatus
from inventory.models import InventoryPosition, PolicyRecommendation, PolicyRun, RunBatch
from inventory.runs.log import run_log
from inventory.runs.scope import scope_resolve
from tests.api_helpers import client_for

RUNS = "/api/v1/runs/"


def _active_run(status: str = RunStatus.RUNNING, batches: int = 0, **scope) -> PolicyRun:
    """A run row as a worker would leave it mid-way, without running anything."""
    run = PolicyRun.objects.create(
        status=status,
        scope=scope_resolve(**scope).as_json(),
        algorithm_version="test",
        total_batches=batches,
        total_rows=10 * batches,
    )
    RunBatch.objects.bulk_create(
        RunBatch(run=run, number=n, item_from=n, item_to=n, rows=10) for n in range(1, batches + 1)
    )
    return run


def _walk(client: APIClient, url: str, params: dict) -> list[dict]:
    rows, page = [], client.get(url, params).json()
    while True:
        rows.extend(page["results"])
        if not page["next"]:
            return rows
        page = client.get(page["next"]).json()


# --- Start a run over the demo network (sync mode: the POST runs it to the end) -------------


@pytest.mark.django_db(transaction=True)
def test_a_planner_runs_the_demo_network_and_reads_the_output(planner, settings):
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1", verbosity=0
    )
    client = client_for(planner)
    body = {"scope": {}, "parameters": {"batch_size": 25}, "description": "From the API"}
    response = client.post(RUNS, body, format="json")

    assert response.status_code == 202, response.content
    run = response.json()
    sku_locations = InventoryPosition.objects.values("item", "location").distinct().count()
    assert run["status"] == RunStatus.SUCCEEDED
    assert (run["actor"], run["trigger"], run["description"]) == (
        planner.username,
        "user",
        "From the API",
    )
    assert run["scope_description"] == "whole network"
    assert run["parameters"]["batch_size"] == 25
    assert run["total_rows"] == run["snapshot"]["sku_locations"] == sku_locations == 60
    assert (run["done_batches"], run["percent"]) == (run["total_batches"], 100.0)
    assert run["recommendations"] == sku_locations and run["exceptions"] > 0
    assert response["Location"].endswith(f"{RUNS}{run['id']}/")
    progress = client.get(f"{RUNS}{run['id']}/").json()["progress"]
    assert progress["done_batches"] == progress["total_batches"] == 3
    assert progress["recommendations"] == sku_locations

    recommendations = _walk(client, "/api/v1/recommendations/", {"run": run["id"]})
    assert len(recommendations) == sku_locations
    assert {r["location"] for r in recommendations} == {"CDC-01", "RDC-01", "RDC-02"}
    reasons = set()
    for exception in PlanningException.objects.filter(
        last_run_id=run["id"], kind=ExceptionKind.DATA_QUALITY
    ):
        reasons.update(exception.reasons)
    assert {"COST_INVALID", "DEMAND_MISSING"} <= reasons  # the demo's deliberate defects
    blocked = client.get("/api/v1/recommendations/", {"run": run["id"], "blocked": "true"})
    assert blocked.json()["results"]
    assert all(r["blocked"] and r["safety_stock"] is None for r in blocked.json()["results"])
    one = client.get("/api/v1/recommendations/", {"item": "SKU-000001", "location": "RDC-01"})
    assert [(r["item"], r["location"]) for r in one.json()["results"]] == [("SKU-000001", "RDC-01")]

    scoped = client.post(RUNS, {"scope": {"locations": ["RDC-01"]}}, format="json").json()
    assert scoped["status"] == RunStatus.SUCCEEDED
    assert scoped["scope"] == {"locations": ["RDC-01"]}
    rows = _walk(client, "/api/v1/recommendations/", {"run": scoped["id"]})
    assert {r["location"] for r in rows} == {"RDC-01"} and len(rows) == 20


# --- Bad input, conflicts, permissions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        ({"scope": {"locations": ["NOPE"]}}, ("scope", "locations"), "NOPE"),
        ({"scope": {"categories": ["Tools"]}}, ("scope", "categories"), "Tools"),
        ({"scope": {"segments": ["QQ"]}}, ("scope", "segments"), "QQ"),
        ({"scope": {"sku_locations": [["SKU-9", "DC-1"]]}}, ("scope", "sku_locations"), "SKU-9"),
        ({"scope": {"sku_locations": [["SKU-1"]]}}, ("scope", "sku_locations", "0"), "2"),
        ({"scope": {"locations": "DC-1"}}, ("scope", "locations"), "list"),
        ({"scope": {"location": ["DC-1"]}}, ("scope", "location"), "locations"),
        ({"scope": ["DC-1"]}, ("scope", "non_field_errors"), "dictionary"),
        ({"parameters": {"holding_rate": 9}}, ("parameters", "holding_rate"), "outside"),
        ({"parameters": {"batch_size": "many"}}, ("parameters", "batch_size"), "not a number"),
        ({"parameters": {"as_of": "soon"}}, ("parameters", "as_of"), "YYYY-MM-DD"),
        ({"parameters": {"speed": 3}}, ("parameters",), "speed"),
        ({"parameters": [3]}, ("parameters",), "dictionary"),
        ({"description": "x" * 201}, ("description",), "200"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(planner, small_network, body, path, words):
    response = client_for(planner).post(RUNS, body, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()
    for key in path:
        errors = errors[key]
    assert words in " ".join(errors)
    assert not PolicyRun.objects.exists()


def test_an_overlapping_active_run_is_a_409(planner, small_network):
    running = _active_run(locations=["DC-1"])
    client = client_for(planner)

    response = client.post(RUNS, {"scope": {"locations": ["DC-1"]}}, format="json")
    assert response.status_code == 409
    assert f"Run #{running.pk} (running) already covers" in response.json()["detail"]
    whole = client.post(RUNS, {}, format="json")
    assert whole.status_code == 409
    elsewhere = client.post(RUNS, {"scope": {"locations": ["DC-2"]}}, format="json")
    assert elsewhere.status_code == 202  # disjoint: queued next to the running one
    assert elsewhere.json()["status"] == RunStatus.QUEUED


def test_runs_need_login(small_network):
    anonymous = APIClient()
    assert anonymous.get(RUNS).status_code == 401
    assert anonymous.post(RUNS, {}, format="json").status_code == 401


def test_reading_needs_a_role_and_starting_the_planner_or_manager_role(
    small_network, no_role_user, executive
):
    run = _active_run(batches=1)
    assert client_for(no_role_user).get(RUNS).status_code == 403
    viewer = client_for(executive)
    assert viewer.get(RUNS).status_code == 200
    assert viewer.get(f"{RUNS}{run.pk}/log/").status_code == 200
    refused = viewer.post(RUNS, {"scope": {"locations": ["DC-2"]}}, format="json")
    assert refused.status_code == 403
    assert "planner or manager" in refused.json()["detail"]
    assert viewer.post(f"{RUNS}{run.pk}/cancel/").status_code == 403
    assert PolicyRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


@pytest.mark.parametrize("role", ["planner", "manager", "admin_user_in_role"])
def test_planners_managers_and_admins_may_start_runs(request, small_network, role):
    client = client_for(request.getfixturevalue(role))
    response = client.post(RUNS, {"scope": {"locations": ["DC-1"]}}, format="json")
    assert response.status_code == 202, response.content


# --- Follow and cancel ---------------------------------------------------------------------


def test_cancel_stops_queued_batches_and_a_finished_run_is_a_409(planner, small_network):
    run = _active_run(batches=2)
    client = client_for(planner)

    response = client.post(f"{RUNS}{run.pk}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == RunStatus.CANCELLED
    assert response.json()["progress"]["cancelled_batches"] == 2
    assert set(run.batches.values_list("status", flat=True)) == {BatchStatus.CANCELLED}
    assert run.log_entries.filter(message__contains=f"by {planner.username}").exists()
    again = client.post(f"{RUNS}{run.pk}/cancel/")
    assert again.status_code == 409
    assert "already finished (cancelled)" in again.json()["detail"]
    assert client.post(f"{RUNS}999999/cancel/").status_code == 404


def test_the_log_pages_by_id(planner, small_network):
    run = _active_run()
    for number in range(5):
        run_log(run, f"line {number}", batch=number or None)
    client = client_for(planner)

    first = client.get(f"{RUNS}{run.pk}/log/", {"limit": 2}).json()
    assert [e["message"] for e in first["results"]] == ["line 0", "line 1"]
    assert first["results"][0]["batch"] is None and first["results"][1]["batch"] == 1
    assert first["more"] is True
    rest = client.get(f"{RUNS}{run.pk}/log/", {"after": first["after"], "limit": 10}).json()
    assert [e["message"] for e in rest["results"]] == ["line 2", "line 3", "line 4"]
    assert rest["more"] is False
    empty = client.get(f"{RUNS}{run.pk}/log/", {"after": rest["after"]}).json()
    assert (empty["results"], empty["after"]) == ([], rest["after"])
    bad = client.get(f"{RUNS}{run.pk}/log/", {"after": "-1"})
    assert bad.status_code == 400 and "after" in bad.json()


def test_list_filters_pages_newest_first_and_leaves_progress_to_the_detail(planner, small_network):
    older = _active_run(status=RunStatus.SUCCEEDED)
    newer = _active_run(batches=4)
    newer.batches.filter(number__lte=2).update(status=BatchStatus.SUCCEEDED, recommendations=10)
    newer.batches.filter(number=3).update(status=BatchStatus.FAILED)
    client = client_for(planner)

    rows = client.get(RUNS).json()["results"]
    assert [r["id"] for r in rows] == [newer.pk, older.pk]
    assert rows[0]["progress"] is None
    totals = {k: rows[0][k] for k in ("done_batches", "percent", "recommendations")}
    assert totals == {"done_batches": 3, "percent": 75.0, "recommendations": 20}
    running = client.get(RUNS, {"status": "running"}).json()["results"]
    assert [r["id"] for r in running] == [newer.pk]
    assert client.get(RUNS, {"trigger": "schedule"}).json()["results"] == []
    assert client.get(RUNS, {"status": "lost"}).status_code == 400
    detail = client.get(f"{RUNS}{older.pk}/").json()
    assert detail["progress"]["status"] == RunStatus.SUCCEEDED


def test_list_queries_do_not_grow_with_runs(planner, small_network, django_user_model):
    client = client_for(planner)

    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(RUNS).status_code == 200
        return len(captured)

    PolicyRun.objects.create(actor=planner, algorithm_version="test", status=RunStatus.SUCCEEDED)
    few = queries_for_listing()
    for number in range(12):
        actor = django_user_model.objects.create_user(username=f"actor-{number}")
        run = PolicyRun.objects.create(actor=actor, algorithm_version="test", total_batches=2)
        run.batches.create(number=1, item_from=1, item_to=1, rows=5, recommendations=5)
        run.batches.create(number=2, item_from=2, item_to=2, rows=5, status=BatchStatus.FAILED)
    assert len(client.get(RUNS).json()["results"]) == 13
    assert queries_for_listing() == few <= 8


# --- Recommendations: filters and location scoping ----------------------------------------


def _recommendation(run: PolicyRun, sku: str, code: str, **fields) -> PolicyRecommendation:
    from inventory.models import Item, Location

    return PolicyRecommendation.objects.create(
        run=run,
        batch_number=1,
        item=Item.objects.get_or_create(sku=sku, defaults={"unit_cost": 1})[0],
        location=Location.objects.get(code=code),
        lead_time_basis=LeadTimeBasis.ACTUAL,
        **fields,
    )


def test_recommendations_filter_and_follow_the_callers_locations(
    planner, ungranted_planner, small_network
):
    from guardian.shortcuts import assign_perm

    from inventory.models import Location

    run, other = _active_run(status=RunStatus.SUCCEEDED), _active_run(RunStatus.SUCCEEDED)
    _recommendation(run, "SKU-1", "DC-1", segment="AX", safety_stock=4.0)
    _recommendation(run, "SKU-1", "DC-2", segment="CZ", blocked=True)
    _recommendation(other, "SKU-2", "DC-2", segment="AX")
    client, url = client_for(planner), "/api/v1/recommendations/"

    def keys(**params) -> set[tuple]:
        rows = client.get(url, params).json()["results"]
        return {(r["run"], r["item"], r["location"]) for r in rows}

    assert keys(run=run.pk) == {(run.pk, "SKU-1", "DC-1"), (run.pk, "SKU-1", "DC-2")}
    assert keys(blocked="true") == {(run.pk, "SKU-1", "DC-2")}
    assert keys(segment="AX", location="DC-2") == {(other.pk, "SKU-2", "DC-2")}
    assert keys(item="SKU-2") == {(other.pk, "SKU-2", "DC-2")}
    client = client_for(ungranted_planner)
    assert keys() == set()  # no grant: nothing
    assign_perm("inventory.view_location", ungranted_planner, Location.objects.get(code="DC-1"))
    assert keys() == {(run.pk, "SKU-1", "DC-1")}
    row = client.get(url).json()["results"][0]
    assert (row["safety_stock"], row["lead_time_basis"]) == (4.0, "actual")


def test_recommendations_need_login_and_a_role(no_role_user):
    assert APIClient().get("/api/v1/recommendations/").status_code == 401
    assert client_for(no_role_user).get("/api/v1/recommendations/").status_code == 403


def test_as_of_is_kept_as_given(planner, small_network):
    body = {"scope": {"locations": ["DC-1"]}, "parameters": {"as_of": "2026-11-02"}}
    run = client_for(planner).post(RUNS, body, format="json").json()
    assert run["parameters"]["as_of"] == date(2026, 11, 2).isoformat()
