"""The admin's Publish page: a preview of what awaits publication and what is held back, and
the publication through the service (governance.publication)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from governance.models import PublicationBatch
from governance.services import location_scope_grant
from tests.factories import make_exception, make_item, make_location, make_policy

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
PUBLISH = reverse("admin:governance_publicationbatch_add")


@pytest.fixture
def policies():
    location = make_location("DC-1")
    for sku in ("A", "B"):
        make_policy(make_item(sku), location)
    make_exception(make_item("C"), location)
    make_policy(location.planningexception_set.get().item, location)


def test_the_page_previews_and_publishes(client, manager, policies):
    client.force_login(manager)
    text = client.get(PUBLISH).content.decode()
    assert "<strong>2</strong> ready to publish, <strong>1</strong> held back" in text
    response = client.post(PUBLISH, {"justification": ""}, follow=True)
    batch = PublicationBatch.objects.get()
    assert batch.policies == 2
    assert f"Publication #{batch.pk}: 2 policies published, 1 held back by open data-quality" in (
        response.content.decode()
    )


def test_releasing_needs_a_justification(client, manager, policies):
    client.force_login(manager)
    text = client.post(PUBLISH, {"release_held": "on"}).content.decode()
    assert "Say why policies with open data-quality exceptions go out." in text
    assert not PublicationBatch.objects.exists()
    client.post(PUBLISH, {"release_held": "on", "justification": "Cost fixed."})
    batch = PublicationBatch.objects.get()
    assert (batch.policies, batch.released, batch.justification) == (3, 1, "Cost fixed.")


def test_only_managers_publish(client, executive, policies):
    executive.is_staff = True
    executive.save()
    client.force_login(executive)
    assert client.get(PUBLISH).status_code == 403
    assert client.post(PUBLISH, {}).status_code == 403
    assert not PublicationBatch.objects.exists()


def test_a_scoped_manager_sees_only_their_own_publications(client, manager, django_user_model):
    scoped = django_user_model.objects.create_user(username="scoped-manager", is_staff=True)
    scoped.groups.add(Group.objects.get(name="manager"))
    location_scope_grant(user=scoped, locations=[make_location("DC-9")])
    PublicationBatch.objects.create(created_by=manager, policies=5)
    own = PublicationBatch.objects.create(created_by=scoped, policies=1)
    client.force_login(scoped)
    listing = reverse("admin:governance_publicationbatch_changelist")
    text = client.get(listing).content.decode()
    assert f"/admin/governance/publicationbatch/{own.pk}/change/" in text
    assert "1 publication batch" in text and "5 policies" not in text
