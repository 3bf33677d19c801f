"""The consensus pages: the plan of a SKU-location (submit with server validation, preview
JSON) and the approvals page (approve, reject, conflicts, permissions, scope)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from demand.choices import ForecastKind, OverrideStatus
from demand.consensus.forms import cell_name
from demand.consensus.services import override_submit
from demand.models import Forecast, ForecastOverride, Promotion
from tests.api_helpers import client_for
from tests.demand.consensus.conftest import WEEKS


def _plan_url(sku) -> str:
    return f"/forecasts/{sku[0].pk}/{sku[1].pk}/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pending(user, sku, quantity=1000.0, period=WEEKS[1]):
    return override_submit(
        user=user,
        item=sku[0],
        location=sku[1],
        period_start=period,
        quantity=quantity,
        rationale="Tender won.",
    )


def test_the_plan_page_shows_every_period_with_its_cell(planner, sku):
    Promotion.objects.create(
        item=sku[0], start=WEEKS[2], end=WEEKS[2] + timedelta(days=6), uplift=1.5
    )
    response = _client(planner).get(_plan_url(sku))
    assert response.status_code == 200
    html = response.content.decode()
    for week in WEEKS:
        assert f'name="{cell_name(week)}"' in html
    assert 'value="100.0"' in html  # the plan in force: the latest baseline
    assert "80.0–120.0" in html  # its interval
    assert "×1.5" in html  # the promotion, of every location
    assert f'href="/sku-locations/{sku[0].pk}/{sku[1].pk}/"' in html
    assert "js/forecast_plan.js" in html and "<script>" not in html  # no inline script


@pytest.mark.parametrize("rationale", ["", "   "])
def test_a_submission_without_rationale_re_renders_with_the_error(planner, sku, rationale):
    data = {cell_name(WEEKS[1]): "150", "rationale": rationale}
    response = _client(planner).post(_plan_url(sku), data)
    assert response.status_code == 400
    assert "rationale" in response.context["form"].errors
    assert 'value="150"' in response.content.decode()  # what was typed is kept
    assert not ForecastOverride.objects.exists()


def test_a_submission_overrides_the_changed_periods_only(planner, sku):
    data = {cell_name(w): "100.0" for w in WEEKS}
    data |= {cell_name(WEEKS[1]): "110", cell_name(WEEKS[2]): "400", "rationale": "Promo."}
    response = _client(planner).post(_plan_url(sku), data)
    assert response.status_code == 302
    made = ForecastOverride.objects.order_by("period_start")
    assert [(o.period_start, o.quantity, o.status) for o in made] == [
        (WEEKS[1], 110.0, OverrideStatus.APPROVED),
        (WEEKS[2], 400.0, OverrideStatus.PENDING),
    ]
    page = _client(planner).get(_plan_url(sku)).content.decode()
    assert f"Override #{made[1].pk}" in page and "Awaiting approval" in page and "Promo." in page


def test_nothing_changed_is_said_and_nothing_saved(planner, sku):
    response = _client(planner).post(_plan_url(sku), {"rationale": "Why not."})
    assert response.status_code == 400
    assert "No quantity changed" in response.content.decode()


def test_a_negative_cell_is_a_field_error(planner, sku):
    data = {cell_name(WEEKS[1]): "-3", "rationale": "Returns."}
    response = _client(planner).post(_plan_url(sku), data)
    assert response.status_code == 400
    assert cell_name(WEEKS[1]) in response.context["form"].errors


def test_pages_are_closed_outside_the_scope_and_without_the_role(
    ungranted_planner, executive, no_role_user, sku
):
    assert _client(ungranted_planner).get(_plan_url(sku)).status_code == 404
    assert _client(no_role_user).get(_plan_url(sku)).status_code == 403
    assert _client(no_role_user).get("/forecasts/overrides/").status_code == 403
    data = {cell_name(WEEKS[1]): "150", "rationale": "Why."}
    assert _client(executive).post(_plan_url(sku), data).status_code == 403


def test_the_preview_needs_a_post_with_the_csrf_token(planner, sku):
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    url = _plan_url(sku) + "preview/"
    assert client.get(url).status_code == 405
    assert client.post(url, {cell_name(WEEKS[1]): "500"}).status_code == 403
    answer = _client(planner).post(url, {cell_name(WEEKS[1]): "500"})
    assert answer.status_code == 200
    assert answer.json()["available"] is False  # no run has planned this SKU-location


def test_a_manager_sees_the_pending_overrides_and_approves_one(planner, manager, sku):
    override = _pending(planner, sku)
    page = _client(manager).get("/forecasts/overrides/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "+900 %" in html and "Tender won." in html and planner.username in html
    data = {"decide": f"approve-{override.pk}", f"version-{override.pk}": "1"}
    assert _client(manager).post("/forecasts/overrides/", data).status_code == 302
    override.refresh_from_db()
    assert override.status == OverrideStatus.APPROVED
    consensus = Forecast.objects.get(kind=ForecastKind.CONSENSUS)
    assert (consensus.period_start, consensus.quantity) == (WEEKS[1], 1000.0)


def test_a_stale_version_is_a_409_and_changes_nothing(planner, manager, sku):
    override = _pending(planner, sku)
    data = {"decide": f"approve-{override.pk}", f"version-{override.pk}": "3"}
    response = _client(manager).post("/forecasts/overrides/", data)
    assert response.status_code == 409
    override.refresh_from_db()
    assert override.status == OverrideStatus.PENDING


def test_a_rejection_without_comment_is_refused_then_done_in_bulk(planner, manager, sku):
    first, second = _pending(planner, sku), _pending(planner, sku, period=WEEKS[2])
    alone = {"decide": f"reject-{first.pk}", f"comment-{first.pk}": ""}
    assert _client(manager).post("/forecasts/overrides/", alone).status_code == 400
    bulk = {
        "decide": "reject-selected",
        "selected": [str(first.pk), str(second.pk)],
        "comment": "Not credible.",
    }
    assert _client(manager).post("/forecasts/overrides/", bulk).status_code == 302
    statuses = set(ForecastOverride.objects.values_list("status", "decision_comment"))
    assert statuses == {(OverrideStatus.REJECTED, "Not credible.")}


def test_own_overrides_cannot_be_approved_and_planners_cannot_decide(manager, planner, sku):
    own = _pending(manager, sku)
    html = _client(manager).get("/forecasts/overrides/").content.decode()
    assert "Yours: another manager decides." in html
    data = {"decide": f"approve-{own.pk}"}
    assert _client(manager).post("/forecasts/overrides/", data).status_code == 400
    assert _client(planner).post("/forecasts/overrides/", data).status_code == 403
    own.refresh_from_db()
    assert own.status == OverrideStatus.PENDING


def test_planners_see_their_own_overrides_with_status(planner, sku):
    _pending(planner, sku)
    html = _client(planner).get("/forecasts/overrides/").content.decode()
    assert "Your overrides" in html and "Awaiting approval" in html
    assert "Awaiting approval (" not in html  # the managers' list is not shown


def test_an_override_out_of_scope_is_not_found_for_the_manager(planner, elsewhere_manager, sku):
    override = _pending(planner, sku)
    html = _client(elsewhere_manager).get("/forecasts/overrides/").content.decode()
    assert "Tender won." not in html
    data = {"decide": f"approve-{override.pk}"}
    assert _client(elsewhere_manager).post("/forecasts/overrides/", data).status_code == 400


def test_the_sku_location_page_links_to_the_plan(planner, sku):
    html = _client(planner).get(f"/sku-locations/{sku[0].pk}/{sku[1].pk}/").content.decode()
    assert f'href="{_plan_url(sku)}"' in html


def test_a_bad_decision_field_is_a_400(manager, sku):
    response = _client(manager).post("/forecasts/overrides/", {"decide": "approve-x"})
    assert response.status_code == 400


def test_the_overrides_page_and_list_take_the_same_queries_for_more_rows(planner, manager, sku):
    def counts() -> tuple[int, int]:
        page, api = _client(manager), client_for(manager)
        with CaptureQueriesContext(connection) as on_page:
            assert page.get("/forecasts/overrides/").status_code == 200
        with CaptureQueriesContext(connection) as on_api:
            assert api.get("/api/v1/forecast-overrides/").status_code == 200
        return len(on_page), len(on_api)

    _pending(planner, sku, period=WEEKS[0])
    few = counts()
    for week in WEEKS[1:]:
        _pending(planner, sku, period=week)
    assert counts() == few
