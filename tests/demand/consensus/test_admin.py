"""The consensus admin: overrides read-only with an approve action through the service,
promotions audited, one row of settings."""

from django.test import Client

from demand.choices import OverrideStatus
from demand.consensus.services import override_submit
from demand.models import ForecastSettings, Promotion
from tests.demand.consensus.conftest import WEEKS


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_approves_from_the_admin_never_their_own(planner, manager, sku):
    item, location = sku
    theirs, own = (
        override_submit(
            user=user,
            item=item,
            location=location,
            period_start=week,
            quantity=900.0,
            rationale="Tender.",
        )  # fmt: skip
        for user, week in ((planner, WEEKS[1]), (manager, WEEKS[2]))
    )
    client = _admin(manager)
    url = "/admin/demand/forecastoverride/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{theirs.pk}/change/").status_code == 200
    data = {"action": "approve_selected", "_selected_action": [theirs.pk, own.pk]}
    assert client.post(url, data).status_code == 302
    theirs.refresh_from_db()
    own.refresh_from_db()
    assert (theirs.status, own.status) == (OverrideStatus.APPROVED, OverrideStatus.PENDING)
    assert client.post(f"{url}{theirs.pk}/change/", {"quantity": 1}).status_code == 403


def test_promotions_and_settings_in_the_admin(admin_user_in_role, sku):
    item, location = sku
    client = _admin(admin_user_in_role)
    data = {"item": item.pk, "location": location.pk, "start": "2026-12-07",
            "end": "2026-12-13", "uplift": "1.5", "description": "Flyer"}  # fmt: skip
    assert client.post("/admin/demand/promotion/add/", data).status_code == 302
    promotion = Promotion.objects.get()
    assert promotion.created_by == admin_user_in_role
    assert promotion.history.get().history_user == admin_user_in_role
    assert client.get("/admin/demand/forecastsettings/add/").status_code == 403  # seeded
    assert client.get("/admin/demand/forecastsettings/1/delete/").status_code == 403
    assert ForecastSettings.objects.get().override_tolerance == 0.20
