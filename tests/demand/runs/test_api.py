"""``/api/v1/forecast-runs/``: start, list, read and cancel forecast runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demand.models import ForecastRun
from governance.services import location_scope_grant
from tests.api_helpers import client_for
from tests.demand.runs.conftest import AS_OF

pytestmark = pytest.mark.django_db
RUNS = "/api/v1/forecast-runs/"


def test_a_planner_starts_a_run_and_reads_its_progress_and_summary(
    network, planner, settings, django_capture_on_commit_callbacks
):
    settings.RUNS_SYNC = True
    client = client_for(planner)
    body = {"as_of": AS_OF.isoformat(), "parameters": {"horizon_periods": 3}, "description": "x"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUNS, body, format="json")
    assert response.status_code == 202, response.content
    run = client.get(f"{RUNS}{response.json()['id']}/").json()
    assert response["Location"].endswith(f"{RUNS}{run['id']}/")
    assert run["status"] == "succeeded" and run["as_of"] == AS_OF.isoformat()
    assert run["progress"]["done_rows"] == 4 and run["summary"]["rows"] == 4
    assert run["parameters"]["horizon_periods"] == 3
    listed = client.get(RUNS).json()["results"]
    assert [r["id"] for r in listed] == [run["id"]]
    assert client.get(f"{RUNS}{run['id']}/").json()["summary"] == run["summary"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"parameters": {"horizon_periods": 0}}, {"parameters": {"horizon_periods": None}}),
        ({"parameters": {"horizon": 3}}, {"parameters": {"horizon": None}}),
        ({"as_of": "2026-03-03"}, {"as_of": None}),
        ({"scope": {"locations": ["NOPE"]}}, {"scope": {"locations": None}}),
        ({"scope": {"segments": ["AX"]}}, {"scope": {"segments": None}}),
    ],
)
def test_bad_input_is_a_400_naming_the_field(network, planner, body, errors):
    response = client_for(planner).post(RUNS, {"as_of": AS_OF.isoformat(), **body}, format="json")
    assert response.status_code == 400, response.content
    found = response.json()
    for section, fields in errors.items():
        assert section in found
        if isinstance(fields, dict):
            assert set(fields) <= set(found[section])
    assert not ForecastRun.objects.exists()


def test_reading_and_starting_need_their_permissions(network, executive, no_role_user):
    assert client_for(no_role_user).get(RUNS).status_code == 403
    response = client_for(executive).post(RUNS, {"as_of": AS_OF.isoformat()}, format="json")
    assert response.status_code == 403
    assert client_for(executive).get(RUNS).status_code == 200


def test_an_overlapping_run_is_a_409(network, planner):
    client = client_for(planner)
    assert client.post(RUNS, {"as_of": AS_OF.isoformat()}, format="json").status_code == 202
    response = client.post(RUNS, {"as_of": AS_OF.isoformat()}, format="json")
    assert response.status_code == 409 and "already covers" in response.json()["detail"]


def test_runs_beyond_the_callers_locations_are_hidden_and_refused(
    network, ungranted_planner, run_now
):
    _, locations = network
    whole = run_now(parameters={"horizon_periods": 2})
    client = client_for(ungranted_planner)
    assert client.get(RUNS).json()["results"] == []
    location_scope_grant(user=ungranted_planner, locations=[locations["DC-2"]])
    client = client_for(ungranted_planner)
    assert client.get(f"{RUNS}{whole.pk}/").status_code == 404
    body = {"as_of": AS_OF.isoformat(), "scope": {"locations": ["DC-1"]}}
    assert client.post(RUNS, body, format="json").status_code == 403
    mine = client.post(RUNS, {"as_of": AS_OF.isoformat()}, format="json").json()
    assert ForecastRun.objects.get(pk=mine["id"]).scope["location_ids"] == [locations["DC-2"].pk]
    assert mine["scope"] == {"locations": ["DC-2"]}


def test_the_list_costs_the_same_queries_for_more_runs(network, planner):
    client = client_for(planner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(RUNS).status_code == 200
        return len(queries)

    ForecastRun.objects.create(as_of=AS_OF, algorithm_version="test")
    few = count()
    ForecastRun.objects.bulk_create(
        ForecastRun(as_of=AS_OF, algorithm_version="test") for _ in range(5)
    )
    assert count() == few
    assert client.get(RUNS).json()["results"][0]["progress"] is None


def test_a_planner_cancels_a_queued_run_and_a_finished_one_is_a_409(network, planner):
    client = client_for(planner)
    run = client.post(RUNS, {"as_of": AS_OF.isoformat()}, format="json").json()
    answer = client.post(f"{RUNS}{run['id']}/cancel/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "cancelled"
    again = client.post(f"{RUNS}{run['id']}/cancel/")
    assert again.status_code == 409 and "nothing to cancel" in again.json()["detail"]


def test_cancelling_needs_the_start_permission_and_the_runs_locations(
    network, planner, executive, ungranted_planner
):
    run = client_for(planner).post(RUNS, {"as_of": AS_OF.isoformat()}, format="json").json()
    refused = client_for(executive).post(f"{RUNS}{run['id']}/cancel/")
    assert refused.status_code == 403 and "cancelling" in refused.json()["detail"]
    assert client_for(ungranted_planner).post(f"{RUNS}{run['id']}/cancel/").status_code == 404
    assert ForecastRun.objects.get(pk=run["id"]).status == "queued"
