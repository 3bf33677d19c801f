"""Forecast run pages (/forecasts/runs/): login, permission, location scope, start form,
detail with summary and sample, progress JSON, cancel."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demand.models import ForecastRun
from demand.runs.services import forecast_run_start
from governance.services import location_scope_grant
from inventory.choices import RunStatus
from inventory.runs.scope import RunScope, scope_resolve
from tests.demand.runs.conftest import AS_OF

pytestmark = pytest.mark.django_db
LIST = reverse("demand:runs")


def test_anonymous_users_are_sent_to_log_in(client, network):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_users_without_the_view_permission_are_refused(client, network, no_role_user):
    client.force_login(no_role_user)
    assert client.get(LIST).status_code == 403


def test_the_empty_state_and_the_start_form_for_planners(client, network, planner):
    client.force_login(planner)
    page = client.get(LIST).content.decode()
    assert "No forecast run in your scope yet" in page
    assert "Start a forecast run" in page and 'name="csrfmiddlewaretoken"' in page


def test_executives_read_but_cannot_start(client, network, executive, run_now):
    run_now(parameters={"horizon_periods": 2})
    client.force_login(executive)
    page = client.get(LIST).content.decode()
    assert "Start a forecast run" not in page
    assert client.post(LIST, {"as_of": AS_OF.isoformat()}).status_code == 403
    assert ForecastRun.objects.count() == 1


def test_a_planner_starts_a_run_and_reads_its_summary(
    client, network, planner, settings, django_capture_on_commit_callbacks
):
    settings.RUNS_SYNC = True
    client.force_login(planner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LIST,
            {"as_of": AS_OF.isoformat(), "horizon_periods": "6", "locations": ["DC-1"]},
        )
    run = ForecastRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("demand:run", args=[run.pk])
    run.refresh_from_db()
    assert run.status == "succeeded" and run.parameters["horizon_periods"] == 6
    page = client.get(response["Location"]).content.decode()
    assert "Methods and accuracy" in page and "Sample of rows" in page
    assert "SKU-A" in page and "SKU-B" in page and "SKU-C" not in page  # DC-1 only
    progress = client.get(reverse("demand:run-progress", args=[run.pk])).json()
    assert progress["status"] == "succeeded" and progress["done_rows"] == 2
    assert progress["active"] is False and progress["log"] == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"horizon_periods": "0"}, "0 is outside [1, 156]"),
        ({"as_of": "2026-03-04"}, "2026-03-04 is not a Monday"),
        ({"categories": ["Toys"]}, "Select a valid choice"),
    ],
)
def test_bad_input_is_put_back_on_the_form(client, network, planner, form, message):
    client.force_login(planner)
    response = client.post(LIST, {"as_of": AS_OF.isoformat(), **form})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ForecastRun.objects.exists()


def test_a_planner_sees_only_runs_within_their_locations(
    client, network, ungranted_planner, run_now
):
    _, locations = network
    whole = run_now(parameters={"horizon_periods": 2})
    dc2 = run_now(scope=scope_resolve(locations=["DC-2"]), parameters={"horizon_periods": 2})
    client.force_login(ungranted_planner)
    assert "No forecast run in your scope yet" in client.get(LIST).content.decode()
    location_scope_grant(user=ungranted_planner, locations=[locations["DC-2"]])
    client.force_login(ungranted_planner)
    page = client.get(LIST).content.decode()
    assert f"#{dc2.pk}</a>" in page and f"#{whole.pk}</a>" not in page
    assert client.get(reverse("demand:run", args=[whole.pk])).status_code == 404
    assert client.get(reverse("demand:run-progress", args=[whole.pk])).status_code == 404
    assert client.get(reverse("demand:run", args=[dc2.pk])).status_code == 200
    # Starting beyond their locations is refused on the form.
    response = client.post(LIST, {"as_of": AS_OF.isoformat(), "locations": ["DC-1"]})
    assert response.status_code == 200 and ForecastRun.objects.count() == 2


def test_the_list_costs_the_same_queries_for_more_runs(client, network, planner):
    client.force_login(planner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    ForecastRun.objects.create(as_of=AS_OF, algorithm_version="test")
    few = count()
    ForecastRun.objects.bulk_create(
        ForecastRun(as_of=AS_OF, algorithm_version="test") for _ in range(5)
    )
    assert count() == few


def test_a_planner_cancels_an_active_run_from_its_page(client, network, planner):
    run = forecast_run_start(scope=RunScope(), as_of=AS_OF)
    client.force_login(planner)
    page = client.get(reverse("demand:run", args=[run.pk])).content.decode()
    cancel = reverse("demand:run-cancel", args=[run.pk])
    assert f'action="{cancel}"' in page and "Cancel run" in page
    response = client.post(cancel, follow=True)
    assert response.redirect_chain[-1][0] == reverse("demand:run", args=[run.pk])
    assert f"Cancel requested for forecast run #{run.pk}." in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested
    assert "Cancel run" not in response.content.decode()
    again = client.post(cancel, follow=True).content.decode()
    assert f"Forecast run #{run.pk} had already finished." in again


def test_executives_and_users_beyond_the_runs_locations_cannot_cancel(
    client, network, executive, ungranted_planner
):
    run = forecast_run_start(scope=RunScope(), as_of=AS_OF)
    cancel = reverse("demand:run-cancel", args=[run.pk])
    client.force_login(executive)
    assert "Cancel run" not in client.get(reverse("demand:run", args=[run.pk])).content.decode()
    assert client.post(cancel).status_code == 403
    client.force_login(ungranted_planner)
    assert client.post(cancel).status_code == 404
    assert client.get(cancel).status_code in (403, 404, 405)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and not run.cancel_requested
