"""The escalation rules' interfaces: the inbox shows their exceptions with the rule, the
admin edits the rules, the command and the weekly schedule evaluate them, and optimization
runs leave their exceptions alone."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from governance.choices import EscalationKind, ExceptionStatus, Severity
from governance.escalations.models import EscalationRule
from governance.escalations.services import SCHEDULE_TASK, escalations_evaluate
from governance.escalations.tasks import escalations_task
from inventory.models import InventoryPosition
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from tests.factories import make_exception, make_item, make_location

pytestmark = pytest.mark.django_db
INBOX = reverse("governance:exceptions")


def escalated(sku: str, location, kind=EscalationKind.DAYS_ON_HAND, **fields):
    """An open exception raised by the rule of ``kind`` (as its evaluation writes it)."""
    return make_exception(
        make_item(sku),
        location,
        **{
            "kind": kind,
            "escalation_rule": EscalationRule.objects.get(kind=kind),
            "batch_number": 0,
            "severity": Severity.MEDIUM,
            "reasons": ["DAYS_ON_HAND_ABOVE_TARGET"],
            "detail": "14.0 days on hand w/c 16 Nov 2026 against a target of 10.0 (+40 %)",
            "money_at_risk": Decimal(400),
            **fields,
        },
    )


def test_the_inbox_shows_an_escalation_with_its_rule(client, planner):
    exception = escalated("SKU-DOH", make_location("DC-1"))
    client.force_login(planner)
    page = client.get(INBOX).content.decode()
    row = page[page.index(f'id="exception-{exception.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Days on hand above target" in row
    assert "Days on hand above target beyond the rule&#x27;s share" in row  # the reason's words
    assert "Escalation" in row and "&gt; +15 % × 2 wk" in row
    assert "14.0 days on hand" in row


def test_the_inbox_reads_the_rule_without_a_query_per_row(client, planner):
    dc = make_location("DC-1")
    escalated("SKU-0", dc)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INBOX).status_code == 200
        return len(captured)

    client.force_login(planner)
    few = queries()
    for number in range(1, 8):
        escalated(f"SKU-{number}", dc, kind=list(EscalationKind)[number % 4])
    assert queries() == few


def test_an_admin_edits_a_rule_with_an_owner_who_handles_exceptions(
    client, admin_user_in_role, planner, executive
):
    rule = EscalationRule.objects.get(kind=EscalationKind.FORECAST_BIAS)
    url = reverse("admin:governance_escalationrule_change", args=[rule.pk])
    client.force_login(admin_user_in_role)
    form = {
        "enabled": "on",
        "threshold": "0.1",
        "consecutive_periods": "2",
        "segments": "ab",
        "owner": str(executive.pk),  # executives do not handle exceptions
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    refused = client.post(url, {**form, "owner": str(planner.pk), "segments": "AD"})
    assert "D: not an ABC class" in refused.content.decode()
    assert client.post(url, {**form, "owner": str(planner.pk)}).status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.consecutive_periods, rule.segments, rule.owner) == (
        0.1,
        2,
        "AB",
        planner,
    )
    assert rule.history.count() == 1 and rule.history.first().history_user == admin_user_in_role


def test_rules_are_neither_added_nor_deleted_in_the_admin(client, admin_user_in_role):
    client.force_login(admin_user_in_role)
    rule = EscalationRule.objects.first()
    assert client.get(reverse("admin:governance_escalationrule_add")).status_code == 403
    delete = reverse("admin:governance_escalationrule_delete", args=[rule.pk])
    assert client.get(delete).status_code == 403


def test_evaluating_on_demand_needs_the_right_to_change_the_rules(planner, admin_user_in_role):
    with pytest.raises(PermissionDenied, match="right to change"):
        escalations_evaluate(user=planner)
    summary = escalations_evaluate(user=admin_user_in_role, kinds=[EscalationKind.RECEIPT_TIMING])
    assert [outcome.kind for outcome in summary.rules] == [EscalationKind.RECEIPT_TIMING]


def test_the_command_and_the_task_evaluate_every_rule(pinned_now, capsys):
    call_command("escalate", "--as-of", "2026-11-25")
    out = capsys.readouterr().out
    assert "Escalation rules as of 2026-11-25:" in out
    for kind in EscalationKind:
        assert f"{kind.label}: 0 raised" in out
    assert escalations_task().startswith("Escalation rules as of 2026-11-25: ")


def test_the_command_names_a_bad_date():
    with pytest.raises(CommandError, match="--as-of '25/11/2026' is not a date"):
        call_command("escalate", "--as-of", "25/11/2026")


def test_a_weekly_schedule_evaluates_the_rules():
    schedule = Schedule.objects.get(func=SCHEDULE_TASK)
    assert schedule.schedule_type == Schedule.WEEKLY and schedule.repeats == -1
    assert schedule.next_run.weekday() == 0  # a Monday
    call_command("migrate", verbosity=0)  # post_migrate again: still one schedule
    assert Schedule.objects.filter(func=SCHEDULE_TASK).count() == 1


def test_a_run_leaves_the_escalations_of_its_sku_locations_alone(
    settings, planner, django_capture_on_commit_callbacks
):
    settings.RUNS_SYNC = True
    dc = make_location("DC-1")
    exception = escalated("SKU-ESC", dc)
    InventoryPosition.objects.create(
        item=exception.item, location=dc, as_of=date(2026, 1, 5), on_hand=10
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = policy_run_start(
            scope=RunScope(),
            parameters={"as_of": (date(2026, 1, 5) + timedelta(days=1)).isoformat()},
        )
    run.refresh_from_db()
    assert run.exceptions.exists()  # the run judged the SKU-location (its data are missing)
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN and exception.last_run is None
    assert exception.version == 1 and exception.resolution_notes == ""


def test_a_planner_without_locations_sees_no_escalation(client, ungranted_planner):
    escalated("SKU-DOH", make_location("DC-1"))
    client.force_login(ungranted_planner)
    assert "SKU-DOH" not in client.get(INBOX).content.decode()


def test_managers_read_the_rules_and_only_admins_change_them(client, manager, planner):
    rule = EscalationRule.objects.get(kind=EscalationKind.DAYS_ON_HAND)
    change = reverse("admin:governance_escalationrule_change", args=[rule.pk])
    changelist = reverse("admin:governance_escalationrule_changelist")
    client.force_login(manager)
    listed = client.get(changelist)
    assert (
        listed.status_code == 200
        and "Evaluate the selected rules now" not in listed.content.decode()
    )
    form = {"enabled": "on", "threshold": "0.5", "consecutive_periods": "1", "segments": ""}
    assert client.post(change, form).status_code == 403
    action = {"action": "evaluate_now", "_selected_action": [rule.pk]}
    refused = client.post(changelist, action, follow=True).content.decode()
    assert "Escalation rules as of" not in refused  # the action is not theirs: not run
    rule.refresh_from_db()
    assert rule.threshold == 0.15
    client.force_login(planner)  # not staff: no admin at all
    assert client.get(changelist).status_code == 302


def test_an_admin_evaluates_the_selected_rules_from_the_admin(client, admin_user_in_role):
    rule = EscalationRule.objects.get(kind=EscalationKind.RECEIPT_TIMING)
    client.force_login(admin_user_in_role)
    changelist = reverse("admin:governance_escalationrule_changelist")
    action = {"action": "evaluate_now", "_selected_action": [rule.pk]}
    done = client.post(changelist, action, follow=True).content.decode()
    assert "Escalation rules as of" in done and "Receipts off their promised date: 0 raised" in done
    assert "Days on hand" not in done.split("Escalation rules as of")[1].split("</li>")[0]
