"""The KPI admin: expedites and write-offs limited to the user's locations, the KPI settings
as one audited row, refreshes and snapshots read-only."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from governance.kpis.models import Expedite, KpiRefresh, KpiSettings, WriteOff
from governance.kpis.selectors import kpi_settings
from governance.services import location_scope_grant
from tests.factories import make_item, make_kpi_snapshot, make_location

pytestmark = pytest.mark.django_db

SETTINGS_ADD = reverse("admin:governance_kpisettings_add")
SETTINGS = reverse("admin:governance_kpisettings_change", args=[1])


def _settings_form(**values) -> dict:
    return {"carrying_rate": 0.25, "excess_cover_days": 180, "obsolete_weeks": 26, **values}


def test_settings_are_one_audited_row(client, admin_user_in_role):
    client.force_login(admin_user_in_role)
    assert client.get(SETTINGS_ADD).status_code == 403  # the migration made the one row
    response = client.post(SETTINGS, _settings_form(carrying_rate=0.3), follow=True)
    assert "from their next recompute" in response.content.decode()
    assert kpi_settings().carrying_rate == 0.3
    client.post(SETTINGS, _settings_form(carrying_rate=0.2, obsolete_weeks=13))
    saved = KpiSettings.objects.get()
    assert (saved.pk, saved.carrying_rate, saved.obsolete_weeks) == (1, 0.2, 13)
    assert [h.carrying_rate for h in saved.history.order_by("history_id")][-2:] == [0.3, 0.2]
    delete = reverse("admin:governance_kpisettings_delete", args=[1])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert KpiSettings.objects.filter(pk=1).exists()


def test_the_row_is_added_again_as_the_one_row(client, admin_user_in_role):
    KpiSettings.objects.all().delete()
    client.force_login(admin_user_in_role)
    client.post(SETTINGS_ADD, _settings_form(excess_cover_days=90))
    assert list(KpiSettings.objects.values_list("pk", "excess_cover_days")) == [(1, 90)]


def test_settings_out_of_range_are_refused(client, admin_user_in_role):
    client.force_login(admin_user_in_role)
    response = client.post(SETTINGS, _settings_form(carrying_rate=7))
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert KpiSettings.objects.get().carrying_rate == 0.25


def test_managers_may_view_but_not_change_settings(client, manager):
    client.force_login(manager)
    assert client.get(SETTINGS).status_code == 200
    client.post(SETTINGS, _settings_form(carrying_rate=0.9))
    assert KpiSettings.objects.get().carrying_rate == 0.25


def test_refreshes_and_snapshots_are_read_only(client, admin_user_in_role):
    refresh = KpiRefresh.objects.create(first_period=date(2026, 1, 5), last_period=date(2026, 1, 5))
    cell = make_kpi_snapshot(date(2026, 1, 5), make_location("DC-1"), demand_units=4)
    client.force_login(admin_user_in_role)
    for model, obj in (("kpirefresh", refresh), ("kpisnapshot", cell)):
        listing = client.get(reverse(f"admin:governance_{model}_changelist"))
        assert listing.status_code == 200
        assert client.get(reverse(f"admin:governance_{model}_add")).status_code == 403
        change = reverse(f"admin:governance_{model}_change", args=[obj.pk])
        page = client.get(change).content.decode()
        assert 'type="submit"' not in page.split('id="content-main"')[1].split("</form>")[0]
        delete = reverse(f"admin:governance_{model}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403


def test_expedites_and_write_offs_are_limited_to_the_users_locations(client, django_user_model):
    item, inside, outside = make_item(), make_location("DC-IN"), make_location("DC-OUT")
    for reference, location in (("EX-IN", inside), ("EX-OUT", outside)):
        Expedite.objects.create(
            reference=reference, item=item, location=location,
            expedite_date=date(2026, 1, 7), cost=Decimal("50"),
        )  # fmt: skip
        WriteOff.objects.create(
            reference=f"WO{reference[2:]}", item=item, location=location,
            write_off_date=date(2026, 1, 8), quantity=2, value=Decimal("3"),
        )  # fmt: skip
    user = django_user_model.objects.create_user(username="scoped-manager", is_staff=True)
    user.groups.add(Group.objects.get(name="manager"))
    location_scope_grant(user=user, locations=[inside])
    client.force_login(user)
    text = client.get(reverse("admin:governance_expedite_changelist")).content.decode()
    assert "EX-IN" in text and "EX-OUT" not in text
    text = client.get(reverse("admin:governance_writeoff_changelist")).content.decode()
    assert "WO-IN" in text and "WO-OUT" not in text
    hidden = Expedite.objects.get(reference="EX-OUT")
    change = reverse("admin:governance_expedite_change", args=[hidden.pk])
    assert client.get(change).status_code in (302, 404)  # not there for this user
