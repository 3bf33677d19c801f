"""The permission matrix on the pages and in the admin (the API's is test_permission_matrix,
with load and export, which have no page): each role × view pending approvals, approve and
reject (admin), propose, override and accept-all (pages), publish (admin), start and cancel a
run (Runs pages), on an object inside or outside the user's scope. Judged by
what happened in the database and by what the user is shown, not only by status codes (the
admin answers a refused user with a redirect to its login)."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from governance.choices import ProposalStatus
from governance.kpis.models import KpiRefresh
from governance.models import PolicyProposal, PublicationBatch
from governance.proposals import proposal_from_recommendation
from governance.services import location_scope_grant
from inventory.models import InventoryPosition, Location, PolicyRun, PolicyValues
from tests.factories import make_kpi_snapshot
from tests.governance.test_permission_matrix import ALLOWED, ROLES, SCOPED, world  # noqa: F401

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
CHANGELIST = reverse("admin:governance_policyproposal_changelist")


def _login(client, django_user_model, role: str):
    user = django_user_model.objects.create_user(
        username=f"pages-{role}", is_staff=role in ("manager", "admin")
    )
    if role != "none":
        user.groups.add(Group.objects.get(name=role))
    if role in SCOPED:
        location_scope_grant(user=user, locations=[Location.objects.get(code="DC-IN")])
    client.force_login(user)
    return user


def _propose(client, recommendation, **override) -> bool:
    """Post the propose page's form, unchanged (an acceptance) or with ``override`` and a
    justification; whether a proposal was made."""
    address = reverse(
        "inventory:run-recommendation-propose", args=[recommendation.run_id, recommendation.pk]
    )
    form = {name: getattr(recommendation, name) for name in PolicyValues.FIELDS}
    form |= {**override, "justification": "Matrix." if override else ""}
    before = PolicyProposal.objects.filter(recommendation=recommendation).count()
    client.post(address, form)
    return PolicyProposal.objects.filter(recommendation=recommendation).count() > before


def _reject(client, proposal) -> bool:
    """Post the admin's reject action with its comment; whether it was rejected."""
    body = {"action": "reject_selected", "_selected_action": [proposal.pk]}
    client.post(CHANGELIST, {**body, "apply": "1", "comment": "Matrix."})
    proposal.refresh_from_db()
    return proposal.status == ProposalStatus.REJECTED


def _sees(client, proposal) -> bool:
    """Whether the admin's pending approvals show the proposal."""
    text = client.get(CHANGELIST).content.decode()
    return f"/admin/governance/policyproposal/{proposal.pk}/change/" in text


def _start_run(client, location) -> bool:
    """Post the Runs page's start form over the location; whether a run started."""
    before = PolicyRun.objects.count()
    form = {"locations": [location.code], "categories": ["bench"], "history_periods": 26}
    client.post(reverse("inventory:runs"), form)  # its own category: no overlap with theirs
    return PolicyRun.objects.count() > before


def _cancel_run(client, run) -> bool:
    client.post(reverse("inventory:run-cancel", args=[run.pk]))
    run.refresh_from_db()
    return run.cancel_requested


def _approve(client, proposal) -> bool:
    """Post the admin's approve action on the proposal; whether it was approved."""
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    return proposal.status == ProposalStatus.APPROVED


def _publish(client) -> bool:
    client.post(reverse("admin:governance_publicationbatch_add"), {"justification": ""})
    return PublicationBatch.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_admin_in_scope(client, django_user_model, world, settings, role):  # noqa: F811
    settings.RUNS_SYNC = False
    _login(client, django_user_model, role)
    target = world["DC-IN"]
    may = ALLOWED[role]
    assert _sees(client, target["proposal"]) == ("approve" in may)  # the approvers' home
    assert _reject(client, target["proposal"]) == ("reject" in may)
    author = django_user_model.objects.get(username="author")
    fresh = proposal_from_recommendation(user=author, recommendation=target["recommendation"])
    assert _approve(client, fresh) == ("approve" in may)
    assert _propose(client, target["recommendation"]) == ("propose" in may)
    override = _propose(client, target["recommendation"], order_quantity=61.0)
    assert override == ("override" in may)
    assert _cancel_run(client, target["run"]) == ("cancel run" in may)
    assert _start_run(client, target["recommendation"].location) == ("start run" in may)
    assert _publish(client) == ("publish" in ALLOWED[role])
    accept_all = reverse("inventory:run-accept-all", args=[target["recommendation"].run_id])
    code = client.post(accept_all).status_code
    assert (code == 302) == ("propose" in ALLOWED[role]), code


@pytest.mark.parametrize("role", sorted(SCOPED))
def test_pages_and_admin_out_of_scope(client, django_user_model, world, settings, role):  # noqa: F811
    settings.RUNS_SYNC = False
    _login(client, django_user_model, role)
    target = world["DC-OUT"]
    assert not _sees(client, target["proposal"])
    assert not _approve(client, target["proposal"])
    assert not _reject(client, target["proposal"])
    assert not _propose(client, target["recommendation"])
    assert not _propose(client, target["recommendation"], order_quantity=61.0)
    assert not _cancel_run(client, target["run"])
    assert not _start_run(client, target["recommendation"].location)
    if "approve" in ALLOWED[role]:  # a manager sees the pending approvals: theirs only
        text = client.get(CHANGELIST).content.decode()
        assert "SKU-DC-IN" in text and "SKU-DC-OUT" not in text
        searched = client.get(CHANGELIST, {"q": "SKU-DC-OUT"}).content.decode()
        assert "0 results" in searched and "SKU-DC-IN" not in searched


# The KPI page: every role that reads sees it (its locations' KPIs only); managers and admins
# may recompute.
KPI_REFRESHERS = {"manager", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_kpi_page_by_role_and_scope(client, django_user_model, world, role):  # noqa: F811
    for code in ("DC-IN", "DC-OUT"):
        location = Location.objects.get(code=code)
        make_kpi_snapshot(date(2026, 1, 5), location, demand_units=1)
        item = location.inventorypolicy_set.get().item
        InventoryPosition.objects.create(
            item=item, location=location, as_of=date(2026, 1, 5), on_hand=1
        )
    _login(client, django_user_model, role)
    page = client.get(reverse("governance:kpis"))
    if role == "none":
        assert page.status_code == 403
    else:
        text = page.content.decode()
        assert "DC-IN</a>" in text
        assert ("DC-OUT</a>" in text) == (role not in SCOPED), role
    client.post(reverse("governance:kpi-refresh"))
    assert KpiRefresh.objects.exists() == (role in KPI_REFRESHERS), role
