"""Manual answers of the diagnostic (governance.sop.diagnostic.services and the check page):
who may answer, when, which checks, stale answers, audit, and the page's HTTP."""

import threading
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.services import location_scope_grant
from governance.sop.diagnostic import (
    DiagnosticAnswerConflict,
    answer_version,
    diagnostic_answer_set,
    diagnostic_evaluate,
)
from governance.sop.models import DiagnosticAnswer, SopCycle
from tests.factories import make_location

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]

MANUAL = 5  # promotions/seasonality: no evidence on an empty database
EVIDENT = 1  # policies from variability: "no" from evidence on an empty database


@pytest.fixture
def cycle():
    return SopCycle.objects.create(month=date(2026, 11, 1))


def answer(cycle, user, number=MANUAL, value=True, note="Promotions planned monthly.", **kw):
    return diagnostic_answer_set(
        cycle=cycle, check_number=number, answer=value, note=note, user=user, **kw
    )


def test_a_manual_answer_counts_where_there_is_no_evidence(cycle, executive):
    answer(cycle, executive)
    check = diagnostic_evaluate(cycle=cycle).checks[MANUAL - 1]
    assert (check.answer, check.source, check.manual.note) == (
        True,
        "manual",
        "Promotions planned monthly.",
    )


def test_a_check_with_evidence_refuses_a_manual_answer(cycle, executive):
    with pytest.raises(ValidationError, match="settled by evidence"):
        answer(cycle, executive, number=EVIDENT)
    assert not DiagnosticAnswer.objects.exists()


def test_answers_are_audited_with_the_user_and_raise_the_cycles_version(cycle, manager):
    first = answer(cycle, manager, value=False, note="Not yet.")
    answer(cycle, manager, value=True, version=answer_version(first))
    stored = DiagnosticAnswer.objects.get()
    assert (stored.answer, stored.answered_by) == (True, manager)
    rows = list(stored.history.order_by("history_id").values_list("answer", "history_user"))
    assert rows == [(False, manager.pk), (True, manager.pk)]
    cycle.refresh_from_db()
    assert cycle.version == 3


def test_an_answer_given_meanwhile_is_not_overwritten(cycle, executive, manager):
    read = answer_version(None)  # both read the check unanswered
    answer(cycle, executive, value=True, version=read)
    with pytest.raises(DiagnosticAnswerConflict, match="answered by test-executive"):
        answer(cycle, manager, value=False, version=read)
    assert DiagnosticAnswer.objects.get().answer is True


def test_planners_and_users_without_the_whole_network_may_not_answer(
    cycle, planner, django_user_model
):
    with pytest.raises(PermissionDenied, match="manager or executive"):
        answer(cycle, planner)
    scoped = django_user_model.objects.create_user(username="scoped-exec", password="x-12345678")
    scoped.groups.add(Group.objects.get(name="executive"))
    location_scope_grant(user=scoped, locations=[make_location()])
    with pytest.raises(PermissionDenied, match="whole network"):
        answer(cycle, scoped)
    assert not DiagnosticAnswer.objects.exists()


@pytest.mark.parametrize("state", ["signed_off", "closed"])
def test_a_signed_off_or_closed_cycle_refuses_answers(cycle, executive, state):
    cycle.signed_off_at, cycle.signed_off_by = timezone.now(), executive
    if state == "closed":
        cycle.status = "closed"
    cycle.save()
    with pytest.raises(ValidationError, match="signed off|closed"):
        answer(cycle, executive)


@pytest.mark.parametrize(("number", "note", "field"), [(16, "x", "check_number"), (5, " ", "note")])
def test_bad_input_names_the_field(cycle, executive, number, note, field):
    with pytest.raises(ValidationError) as refused:
        answer(cycle, executive, number=number, note=note)
    assert field in refused.value.message_dict


# The check page


def url(cycle, number=MANUAL, **query):
    address = reverse("governance:sop-check", args=[cycle.pk, number])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_page_shows_the_evidence_and_a_form_to_those_who_may_answer(client, cycle, executive):
    client.force_login(executive)
    response = client.get(url(cycle))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Promotions/seasonality are reflected in policy updates." in page
    assert "No evidence either way" in page and "Save the answer" in page


def test_planners_read_the_check_without_a_form(client, cycle, planner):
    client.force_login(planner)
    page = client.get(url(cycle)).content.decode()
    assert "needs the manager or executive role" in page and "Save the answer" not in page


def test_a_check_with_evidence_has_no_form(client, cycle, executive):
    client.force_login(executive)
    page = client.get(url(cycle, EVIDENT)).content.decode()
    assert "No, from evidence." in page and "Save the answer" not in page


def test_posting_an_answer_goes_back_to_where_the_user_came_from(client, cycle, executive):
    client.force_login(executive)
    back = reverse("governance:sop-check", args=[cycle.pk, 8])
    response = client.post(
        url(cycle),
        {"answer": "yes", "note": "Monthly promo calendar.", "version": "", "next": back},
    )
    assert (response.status_code, response["Location"]) == (302, back)
    assert DiagnosticAnswer.objects.get().note == "Monthly promo calendar."


def test_posting_never_redirects_off_site(client, cycle, executive):
    client.force_login(executive)
    data = {"answer": "no", "note": "n", "version": "", "next": "https://evil.example/"}
    response = client.post(url(cycle), data)
    assert response["Location"] == url(cycle)


def test_a_stale_answer_is_a_409_with_the_stored_one(client, cycle, executive, manager):
    answer(cycle, manager, value=False, note="Not planned.")
    client.force_login(executive)
    response = client.post(url(cycle), {"answer": "yes", "note": "Planned.", "version": ""})
    assert response.status_code == 409
    page = response.content.decode()
    assert "answered by test-manager since you read it" in page and "Not planned." in page
    stored = DiagnosticAnswer.objects.get()
    assert stored.answer is False
    assert f'value="{answer_version(stored)}"' in page  # sending again is a decision


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"answer": "yes", "note": ""}, "Note: This field is required."),
        ({"answer": "maybe", "note": "n"}, "Answer: Select a valid choice."),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, cycle, executive, data, message):
    client.force_login(executive)
    response = client.post(url(cycle), {**data, "version": ""})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_answering_a_check_with_evidence_is_a_400(client, cycle, executive):
    client.force_login(executive)
    response = client.post(url(cycle, EVIDENT), {"answer": "yes", "note": "n", "version": ""})
    assert response.status_code == 400
    assert "settled by evidence" in response.content.decode()


def test_a_planners_post_is_forbidden(client, cycle, planner):
    client.force_login(planner)
    response = client.post(url(cycle), {"answer": "yes", "note": "n", "version": ""})
    assert response.status_code == 403
    assert not DiagnosticAnswer.objects.exists()


def test_login_and_csrf_are_required(client, cycle, executive):
    assert client.get(url(cycle)).status_code == 302  # to the login page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(executive)
    response = strict.post(url(cycle), {"answer": "yes", "note": "n", "version": ""})
    assert response.status_code == 403


def test_an_unknown_check_or_cycle_is_a_404(client, cycle, executive):
    client.force_login(executive)
    assert client.get(url(cycle, 16)).status_code == 404
    assert client.get(reverse("governance:sop-check", args=[cycle.pk + 1, 5])).status_code == 404


@pytest.mark.parametrize(
    ("role", "may_view", "may_answer"),
    [
        ("planner", True, False),
        ("manager", True, True),
        ("executive", True, True),
        ("integration", True, False),
        ("admin", True, True),
        ("none", False, False),
    ],
)
def test_the_check_page_for_each_role(client, django_user_model, cycle, role, may_view, may_answer):
    user = django_user_model.objects.create_user(username=f"matrix-{role}")
    if role != "none":
        user.groups.add(Group.objects.get(name=role))
    if role in ("planner", "manager", "executive"):
        location_scope_grant(user=user, whole_network=True)
    client.force_login(user)
    assert (client.get(url(cycle)).status_code == 200) == may_view
    client.post(url(cycle), {"answer": "yes", "note": "Matrix.", "version": ""})
    assert DiagnosticAnswer.objects.exists() == may_answer


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _answer_at_once(cycle, answers: list[tuple]) -> dict[str, str]:
    """Each (user, value) answers the check unanswered-as-read from its own thread and
    connection, released together: username -> "stored" or "refused"."""
    start = threading.Barrier(len(answers))
    outcomes: dict[str, str] = {}

    def give(user, value: bool) -> None:
        try:
            start.wait()
            answer(cycle, user, value=value, version="")
            outcomes[user.username] = "stored"
        except DiagnosticAnswerConflict:
            outcomes[user.username] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=pair) for pair in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_first_answers_racing_on_postgresql_one_is_refused(executive, manager):
    """Both read the check unanswered and answer at once: one answer stands, the other is
    refused (never silently overwritten), whatever the order the database serves them."""
    for round_number in range(6):
        cycle = SopCycle.objects.create(month=date(2026, 1 + round_number, 1))
        outcomes = _answer_at_once(cycle, [(executive, True), (manager, False)])
        assert sorted(outcomes.values()) == ["refused", "stored"]
        stored = DiagnosticAnswer.objects.get(cycle=cycle)
        assert outcomes[stored.answered_by.username] == "stored"
        assert stored.history.count() == 1
