"""The permission matrix on the pages and in the admin (the API's is test_permission_matrix):
each role × propose (page), accept-all (page), approve (admin action), publish (admin page),
view pending approvals (admin), on an object inside or outside the user's scope. Judged by
what happened in the database and by what the user is shown, not only by status codes (the
admin answers a refused user with a redirect to its login)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from governance.choices import ProposalStatus
from governance.models import PolicyProposal, PublicationBatch
from governance.services import location_scope_grant
from inventory.models import Location
from tests.governance.test_permission_matrix import ALLOWED, ROLES, SCOPED, world  # noqa: F401

pytestmark = pytest.mark.django_db
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


def _propose(client, recommendation) -> bool:
    """Post the propose page's form unchanged (an acceptance); whether a proposal was made."""
    address = reverse(
        "inventory:run-recommendation-propose", args=[recommendation.run_id, recommendation.pk]
    )
    form = {name: getattr(recommendation, name) for name in ("safety_stock", "reorder_point")}
    form |= {
        name: getattr(recommendation, name)
        for name in ("min_level", "max_level", "order_quantity", "service_target", "service_type")
    }
    before = PolicyProposal.objects.filter(recommendation=recommendation).count()
    client.post(address, {**form, "justification": ""})
    return PolicyProposal.objects.filter(recommendation=recommendation).count() > before


def _approve(client, proposal) -> bool:
    """Post the admin's approve action on the proposal; whether it was approved."""
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    return proposal.status == ProposalStatus.APPROVED


def _publish(client) -> bool:
    client.post(reverse("admin:governance_publicationbatch_add"), {"justification": ""})
    return PublicationBatch.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_admin_in_scope(client, django_user_model, world, role):  # noqa: F811
    _login(client, django_user_model, role)
    target = world["DC-IN"]
    assert _approve(client, target["proposal"]) == ("approve" in ALLOWED[role])
    assert _propose(client, target["recommendation"]) == ("propose" in ALLOWED[role])
    assert _publish(client) == ("publish" in ALLOWED[role])
    accept_all = reverse("inventory:run-accept-all", args=[target["recommendation"].run_id])
    code = client.post(accept_all).status_code
    assert (code == 302) == ("propose" in ALLOWED[role]), code


@pytest.mark.parametrize("role", sorted(SCOPED))
def test_pages_and_admin_out_of_scope(client, django_user_model, world, role):  # noqa: F811
    _login(client, django_user_model, role)
    target = world["DC-OUT"]
    assert not _approve(client, target["proposal"])
    assert not _propose(client, target["recommendation"])
    if "approve" in ALLOWED[role]:  # a manager sees the pending approvals: theirs only
        text = client.get(CHANGELIST).content.decode()
        assert "SKU-DC-IN" in text and "SKU-DC-OUT" not in text
        searched = client.get(CHANGELIST, {"q": "SKU-DC-OUT"}).content.decode()
        assert "0 results" in searched and "SKU-DC-IN" not in searched
