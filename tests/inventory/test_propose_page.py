"""Proposing from a run's recommendations page (inventory.runs.propose_views): one
recommendation as is or overridden, through ``proposal_from_recommendation``, and accept-all
through ``proposals_accept_all``; the service's refusals as 400s with the message next to
the field, 403s and 404s."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from governance.choices import ProposalKind, ProposalStatus
from governance.models import PolicyProposal
from governance.services import location_scope_grant
from inventory.models import PolicyRecommendation, PolicyRun
from tests.factories import make_item, make_location, make_policy, make_recommendation

# Policies in the factories take effect on 2026-01-05: "in force today" needs a pinned today.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]


@pytest.fixture
def run() -> PolicyRun:
    """A run recommending at DC-1 'near' (32 / 84 against a policy of 30 / 80: within 10 %),
    'far' (40 / 100), 'bad' (blocked); and 'other' at DC-2 (within)."""
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    run = PolicyRun.objects.create(algorithm_version="test", status="succeeded")
    near = {"reorder_point": 32.0, "min_level": 32.0, "max_level": 84.0}
    for sku, location, values in (
        ("near", dc1, near),
        ("far", dc1, {}),
        ("bad", dc1, {"blocked": True, "reorder_point": None}),
        ("other", dc2, near),
    ):
        item = make_item(sku)
        make_policy(item, location)
        make_recommendation(item, location, run=run, **values)
    return run


def rec(run: PolicyRun, sku: str) -> PolicyRecommendation:
    return run.recommendations.get(item__sku=sku)


def propose_url(recommendation: PolicyRecommendation) -> str:
    return reverse(
        "inventory:run-recommendation-propose", args=[recommendation.run_id, recommendation.pk]
    )


def recommendations_url(run: PolicyRun) -> str:
    return reverse("inventory:run-recommendations", args=[run.pk])


def as_sent(recommendation: PolicyRecommendation, **changes) -> dict:
    """The form as the page prefills it, with ``changes``."""
    names = ("safety_stock", "reorder_point", "min_level", "max_level", "order_quantity")
    data = {name: str(getattr(recommendation, name)) for name in names}
    data |= {
        "service_target": str(recommendation.service_target),
        "service_type": recommendation.service_type,
        "justification": "",
    }
    return data | {name: str(value) for name, value in changes.items()}


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, url: str, data: dict):
    """Post as the browser would: with the token the page set."""
    client.get(url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_page_shows_the_policy_the_recommendation_and_the_prefilled_form(client, run, planner):
    client.force_login(planner)
    far = rec(run, "far")
    response = client.get(propose_url(far))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Propose a policy for far at DC-1" in text
    assert "(version 1)" in text  # the policy in force
    form = response.context["form"]
    assert form["reorder_point"].value() == 40.0 and form["max_level"].value() == 100.0
    assert 'name="reorder_point" value="40.0"' in text
    assert 'name="csrfmiddlewaretoken"' in text


def test_the_recommendations_page_links_each_unblocked_row_and_offers_accept_all(
    client, run, planner, executive
):
    client.force_login(planner)
    text = client.get(recommendations_url(run)).content.decode()
    assert propose_url(rec(run, "far")) in text
    assert propose_url(rec(run, "bad")) not in text
    assert reverse("inventory:run-accept-all", args=[run.pk]) in text
    client.force_login(executive)
    text = client.get(recommendations_url(run)).content.decode()
    assert "/propose/" not in text and "Accept all within tolerance" not in text


def test_unchanged_values_propose_the_recommendation_as_is(run, planner):
    client = signed_in(planner)
    far = rec(run, "far")
    response = csrf_post(client, propose_url(far), as_sent(far))
    proposal = PolicyProposal.objects.get()
    assert (proposal.kind, proposal.status) == (ProposalKind.ACCEPTED, ProposalStatus.PROPOSED)
    assert response.status_code == 302
    assert response["Location"] == f"{recommendations_url(run)}#recommendation-{far.pk}"
    assert flashed(response) == [f"Proposal #{proposal.pk} sent for approval."]


def test_a_planner_proposes_an_override_with_a_justification(run, planner):
    client = signed_in(planner)
    far = rec(run, "far")
    data = as_sent(far, reorder_point=45, min_level=45, justification="Promo in May.")
    response = csrf_post(client, propose_url(far), data)
    assert response.status_code == 302
    proposal = PolicyProposal.objects.get()
    assert (proposal.kind, proposal.reorder_point, proposal.min_level) == (
        ProposalKind.OVERRIDE,
        45,
        45,
    )
    assert proposal.justification == "Promo in May." and proposal.proposed_by == planner
    assert proposal.history.get().history_change_reason == "Override: Promo in May."
    followed = client.get(response["Location"])
    assert f"Proposal #{proposal.pk} sent for approval." in followed.content.decode()


def test_an_override_without_justification_is_a_400_with_the_error_by_the_field(
    client, run, planner
):
    client.force_login(planner)
    far = rec(run, "far")
    response = client.post(propose_url(far), as_sent(far, order_quantity=70))
    assert response.status_code == 400
    assert not PolicyProposal.objects.exists()
    form = response.context["form"]
    assert form.errors["justification"] == [
        "An override needs a justification: say why these values."
    ]
    text = response.content.decode()
    assert 'id="id_justification_error"' in text and "An override needs a justification" in text
    assert 'name="order_quantity" value="70"' in text  # what the planner typed stays


def test_a_min_above_the_levels_is_named(client, run, planner):
    client.force_login(planner)
    far = rec(run, "far")
    data = as_sent(far, min_level=120, justification="Wanted more.")
    response = client.post(propose_url(far), data)
    assert response.status_code == 400
    assert response.context["form"].errors["min_level"] == [
        "Min 120 is above the reorder point 40."
    ]
    assert 'id="id_min_level_error"' in response.content.decode()
    assert not PolicyProposal.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"reorder_point": "abc"}, "reorder_point"), ({"service_type": "nope"}, "service_type")],
)
def test_input_that_is_not_a_value_is_a_400(client, run, planner, changes, field):
    client.force_login(planner)
    far = rec(run, "far")
    response = client.post(propose_url(far), as_sent(far, **changes))
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not PolicyProposal.objects.exists()


def test_a_blocked_recommendation_cannot_be_proposed(client, run, planner):
    client.force_login(planner)
    bad = rec(run, "bad")
    response = client.post(propose_url(bad), as_sent(bad, reorder_point=40))
    assert response.status_code == 400
    assert "a data-quality exception blocks it" in response.content.decode()
    assert not PolicyProposal.objects.exists()


def test_a_recommendation_outside_the_scope_is_a_404(client, run, ungranted_planner):
    location_scope_grant(user=ungranted_planner, locations=[rec(run, "near").location])
    client.force_login(ungranted_planner)
    other = rec(run, "other")  # at DC-2
    assert client.get(propose_url(other)).status_code == 404
    assert client.post(propose_url(other), as_sent(other)).status_code == 404
    assert client.get(propose_url(rec(run, "near"))).status_code == 200
    assert not PolicyProposal.objects.exists()


def test_a_recommendation_of_another_run_is_a_404(client, run, planner):
    client.force_login(planner)
    stray = make_recommendation(make_item("stray"), make_location("DC-9"))
    url = reverse("inventory:run-recommendation-propose", args=[run.pk, stray.pk])
    assert client.get(url).status_code == 404


def test_executives_may_not_propose(client, run, executive):
    client.force_login(executive)
    far = rec(run, "far")
    assert client.get(propose_url(far)).status_code == 403
    assert client.post(propose_url(far), as_sent(far)).status_code == 403
    accept_all = reverse("inventory:run-accept-all", args=[run.pk])
    assert client.post(accept_all).status_code == 403
    assert not PolicyProposal.objects.exists()


def test_anonymous_users_are_sent_to_login(client, run):
    response = client.get(propose_url(rec(run, "far")))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_posts_need_the_csrf_token(run, planner):
    client = signed_in(planner)
    far = rec(run, "far")
    assert client.post(propose_url(far), as_sent(far)).status_code == 403
    accept_all = reverse("inventory:run-accept-all", args=[run.pk])
    assert client.post(accept_all).status_code == 403
    assert not PolicyProposal.objects.exists()


def test_accept_all_proposes_within_tolerance_and_reports_the_counts(run, planner):
    client = signed_in(planner)
    accept_all = reverse("inventory:run-accept-all", args=[run.pk])
    client.get(recommendations_url(run))
    token = client.cookies["csrftoken"].value
    response = client.post(accept_all, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == recommendations_url(run)
    assert flashed(response) == [
        "2 proposals sent for approval; left to look at one at a time: 1 outside tolerance, "
        "1 blocked or invalid."
    ]
    assert set(PolicyProposal.objects.values_list("item__sku", flat=True)) == {"near", "other"}


def test_accept_all_stays_in_the_scope(client, run, ungranted_planner):
    location_scope_grant(user=ungranted_planner, locations=[rec(run, "near").location])
    client.force_login(ungranted_planner)
    client.post(reverse("inventory:run-accept-all", args=[run.pk]))
    assert list(PolicyProposal.objects.values_list("item__sku", flat=True)) == ["near"]


def test_accept_all_is_post_only(client, run, planner):
    client.force_login(planner)
    assert client.get(reverse("inventory:run-accept-all", args=[run.pk])).status_code == 405


def test_the_prefilled_values_sent_back_unchanged_are_an_acceptance(client, run, planner):
    """What the page renders round-trips exactly, even for values with many digits."""
    client.force_login(planner)
    far = rec(run, "far")
    PolicyRecommendation.objects.filter(pk=far.pk).update(
        safety_stock=1234.5678901234567, reorder_point=1 / 3 + 40, min_level=1 / 3 + 40
    )
    text = client.get(propose_url(far)).content.decode()
    data = {"justification": ""}
    for name in ("safety_stock", "reorder_point", "min_level", "max_level", "order_quantity"):
        data[name] = text.split(f'name="{name}" value="')[1].split('"')[0]
    data |= {"service_target": "0.95", "service_type": "fill"}
    assert client.post(propose_url(far), data).status_code == 302
    proposal = PolicyProposal.objects.get()
    assert proposal.kind == ProposalKind.ACCEPTED and proposal.safety_stock == 1234.5678901234567


def test_the_planner_goes_back_to_the_page_and_filters_they_came_from(client, run, planner):
    client.force_login(planner)
    far = rec(run, "far")
    listed = client.get(recommendations_url(run), {"location": "DC-1", "page": "1"})
    link = f"{propose_url(far)}?location=DC-1&amp;page=1"
    assert link in listed.content.decode()
    page = client.get(f"{propose_url(far)}?location=DC-1&page=1").content.decode()
    assert f'action="{link}"' in page
    response = client.post(f"{propose_url(far)}?location=DC-1&page=1", as_sent(far))
    assert response["Location"] == (
        f"{recommendations_url(run)}?location=DC-1&page=1#recommendation-{far.pk}"
    )
