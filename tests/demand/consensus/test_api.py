"""``/api/v1/forecast-overrides/`` and ``/api/v1/promotions/``: the same rules as the pages
(400 naming the field, 403, 409), scoped lists, and audited promotion loads."""

from datetime import date

from demand.choices import OverrideStatus
from demand.models import ForecastOverride, Promotion
from tests.api_helpers import client_for, post
from tests.demand.consensus.conftest import WEEKS

URL = "/api/v1/forecast-overrides/"


def _body(**fields) -> dict:
    return {
        "item": "SKU-1",
        "location": "DC-1",
        "period_start": WEEKS[1].isoformat(),
        "quantity": 1000,
        "rationale": "Tender won.",
    } | fields


def test_a_submission_without_rationale_is_a_400_naming_the_field(planner, sku):
    for body in (_body(rationale=""), {k: v for k, v in _body().items() if k != "rationale"}):
        response = client_for(planner).post(URL, body, format="json")
        assert response.status_code == 400
        assert "rationale" in response.json()
    assert not ForecastOverride.objects.exists()


def test_bad_fields_are_400s_naming_them(planner, sku):
    client = client_for(planner)
    assert "quantity" in client.post(URL, _body(quantity=-1), format="json").json()
    assert "item" in client.post(URL, _body(item="NOPE"), format="json").json()
    assert (
        "period_start" in client.post(URL, _body(period_start="2020-01-06"), format="json").json()
    )
    assert "colour" in client.post(URL, _body(colour="red"), format="json").json()


def test_submit_then_decide_with_versions(planner, manager, sku):
    created = client_for(planner).post(URL, _body(), format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["baseline"], body["version"]) == ("pending", 100.0, 1)
    decide = f"{URL}{body['id']}/decide/"
    stale = client_for(manager).post(decide, {"approve": True, "version": 9}, format="json")
    assert stale.status_code == 409
    own = client_for(planner).post(decide, {"approve": True, "version": 1}, format="json")
    assert own.status_code == 403  # planners may not decide (and never their own)
    done = client_for(manager).post(decide, {"approve": True, "version": 1}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["decided_by"]) == ("approved", manager.username)
    again = client_for(manager).post(decide, {"approve": False, "comment": "No."}, format="json")
    assert again.status_code == 409


def test_a_manager_cannot_decide_their_own(manager, sku):
    created = client_for(manager).post(URL, _body(), format="json").json()
    response = client_for(manager).post(
        f"{URL}{created['id']}/decide/", {"approve": True}, format="json"
    )
    assert response.status_code == 403
    assert ForecastOverride.objects.get().status == OverrideStatus.PENDING


def test_lists_are_limited_to_the_scope(planner, elsewhere_manager, sku):
    client_for(planner).post(URL, _body(), format="json")
    assert len(client_for(planner).get(URL).json()["results"]) == 1
    assert client_for(elsewhere_manager).get(URL).json()["results"] == []
    override = ForecastOverride.objects.get()
    refused = client_for(elsewhere_manager).post(
        f"{URL}{override.pk}/decide/", {"approve": True}, format="json"
    )
    assert refused.status_code == 404


CSV = "item,location,start,end,uplift,description\n"


def test_promotions_load_by_natural_key_and_are_audited(integration, sku, planner):
    body = CSV + "SKU-1,,2026-12-07,2026-12-20,1.5,Christmas\nSKU-1,DC-1,2027-01-04,2027-01-10,2,\n"
    first = post(integration, "promotions", body)
    assert first.status_code == 200, first.json()
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    again = post(integration, "promotions", body.replace("1.5", "1.8"))
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        1,
        1,
    )
    christmas = Promotion.objects.get(location__isnull=True)
    assert (christmas.start, christmas.end, christmas.uplift) == (
        date(2026, 12, 7),
        date(2026, 12, 20),
        1.8,
    )
    assert [h.uplift for h in christmas.history.order_by("history_id")] == [1.5, 1.8]
    assert christmas.history.first().history_user.groups.filter(name="integration").exists()
    listed = client_for(planner).get("/api/v1/promotions/").json()["results"]
    assert [(p["item"], p["location"]) for p in listed] == [("SKU-1", None), ("SKU-1", "DC-1")]


def test_promotion_rows_are_checked_naming_row_and_field(integration, sku, planner):
    body = CSV + "SKU-1,,2026-12-07,2026-12-01,1.5,\nSKU-1,DC-9,2026-12-07,2026-12-10,x,\n"
    response = post(integration, "promotions", body)
    assert response.status_code == 400
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(1, "end"), (2, "location"), (2, "uplift")}
    assert not Promotion.objects.exists()
    assert post(client_for(planner), "promotions", CSV).status_code == 403
