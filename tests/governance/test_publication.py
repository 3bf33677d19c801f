"""Publication of active policies (governance.publication): what it takes, the data-quality
gate and its release, the lines the export serves, permissions and scopes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.choices import ExceptionKind, ExceptionStatus
from governance.models import PublicationBatch, PublishedPolicy
from governance.publication import publication_create, publication_preview
from governance.services import location_scope_grant
from inventory.choices import PolicyStatus
from inventory.models import InventoryPolicy
from tests.factories import make_exception, make_item, make_location, make_policy

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]


@pytest.fixture
def network():
    """Three active policies at DC-1 (one with an open data-quality exception), one retired,
    one active at DC-2."""
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    made = {sku: make_policy(make_item(sku), dc1) for sku in ("A", "B", "C")}
    make_policy(make_item("R"), dc1, status=PolicyStatus.RETIRED)
    made["D"] = make_policy(make_item("D"), dc2)
    make_exception(made["C"].item, dc1, kind=ExceptionKind.DATA_QUALITY)
    return made


def _lines(batch: PublicationBatch) -> list[tuple[str, bool]]:
    lines = batch.lines.order_by("item__sku")
    return list(lines.values_list("item__sku", "released"))


def test_a_publication_takes_the_active_policies_and_holds_back_bad_data(manager, network):
    assert publication_preview(user=manager).ready == 3
    batch = publication_create(user=manager)
    assert (batch.policies, batch.held_back, batch.released) == (3, 1, 0)
    assert _lines(batch) == [("A", False), ("B", False), ("D", False)]
    line = batch.lines.get(item__sku="A")
    policy = network["A"]
    assert line.values() == policy.values() and line.policy_version == policy.policy_version
    policy.refresh_from_db()
    assert policy.published_version == 1
    # Nothing new: the next publication is empty; the held-back policy still waits.
    again = publication_create(user=manager)
    assert (again.policies, again.held_back) == (0, 1)


def test_releasing_held_back_policies_needs_a_justification_and_is_recorded(manager, network):
    with pytest.raises(ValidationError, match="Say why"):
        publication_create(user=manager, release_held=True)
    batch = publication_create(
        user=manager, release_held=True, justification="Cost fixed in the ERP today."
    )
    assert (batch.policies, batch.held_back, batch.released) == (4, 0, 1)
    assert batch.justification == "Cost fixed in the ERP today."
    assert ("C", True) in _lines(batch)


def test_the_gate_releases_once_the_exception_is_resolved(manager, network):
    publication_create(user=manager)
    network["C"].item.planningexception_set.update(status=ExceptionStatus.RESOLVED)
    batch = publication_create(user=manager)
    assert _lines(batch) == [("C", False)]


def test_a_new_version_is_published_once_and_replaces_the_current_line(manager, network):
    first = publication_create(user=manager)
    InventoryPolicy.objects.filter(pk=network["A"].pk).update(policy_version=2, max_level=90)
    second = publication_create(user=manager)
    assert _lines(second) == [("A", False)]
    current = PublishedPolicy.objects.filter(policy=network["A"], current=True)
    assert list(current.values_list("batch", "max_level")) == [(second.pk, 90)]
    assert PublishedPolicy.objects.get(policy=network["A"], batch=first).current is False


def test_publication_needs_the_manager_role_and_stays_in_scope(
    planner, executive, ungranted_planner, manager, network
):
    for user in (planner, executive):
        with pytest.raises(PermissionDenied, match="manager role"):
            publication_create(user=user)
    ungranted_planner.user_permissions.add(
        *manager.groups.get().permissions.filter(codename="add_publicationbatch")
    )
    with pytest.raises(PermissionDenied, match="No location is in your scope"):
        publication_create(user=ungranted_planner)
    location_scope_grant(user=ungranted_planner, locations=[network["D"].location])
    batch = publication_create(user=ungranted_planner)
    assert _lines(batch) == [("D", False)]
