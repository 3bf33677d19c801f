"""Writes of the escalation rules: evaluate them and raise, refresh or resolve their
exceptions; keep their weekly schedule."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from governance.choices import DUE_DAYS, OPEN_EXCEPTION_STATUSES, EscalationKind
from governance.escalations import rules
from governance.escalations.models import EscalationRule
from governance.models import PlanningException
from governance.services import HANDLE_EXCEPTIONS, planning_exceptions_close
from inventory.runs.inputs import pair_keys
from sop_platform.arrays import query_columns
from sop_platform.rows import columns_update

EVALUATORS: dict[str, Callable[[EscalationRule, date], rules.Findings]] = {
    EscalationKind.DAYS_ON_HAND: rules.days_on_hand,
    EscalationKind.FORECAST_BIAS: rules.forecast_bias,
    EscalationKind.FORECAST_ERROR: rules.forecast_error,
    EscalationKind.SERVICE_BELOW_TARGET: rules.service_below_target,
    EscalationKind.RECEIPT_TIMING: rules.receipt_timing,
}
EVALUATE = "governance.change_escalationrule"
"""Who may evaluate the rules on demand: who may change them."""
CHUNK = 10_000  # ids per statement: PostgreSQL binds at most 65,535 parameters
INSERT_BATCH = 2_000


@dataclass(frozen=True)
class RuleOutcome:
    """What evaluating one rule did."""

    kind: str
    enabled: bool
    raised: int = 0
    refreshed: int = 0
    resolved: int = 0
    left_open: int = 0  # a disabled rule's open exceptions, left as they are
    owner_refused: str = ""  # the rule's owner, who may no longer handle exceptions

    def __str__(self) -> str:
        label = EscalationKind(self.kind).label
        if not self.enabled:
            return f"{label}: rule disabled, nothing raised; {self.left_open} open left as they are"
        refused = (
            f"; the owner {self.owner_refused} may no longer handle exceptions: raised unassigned"
            if self.owner_refused
            else ""
        )
        return (
            f"{label}: {self.raised} raised, {self.refreshed} still beyond the threshold "
            f"(refreshed), {self.resolved} resolved{refused}"
        )


@dataclass(frozen=True)
class EscalationSummary:
    """What one evaluation of every rule did, as of a date."""

    as_of: date
    rules: list[RuleOutcome]

    def __str__(self) -> str:
        return f"Escalation rules as of {self.as_of.isoformat()}: " + "; ".join(
            map(str, self.rules)
        )


def escalations_evaluate(
    *,
    as_of: date | None = None,
    user: AbstractBaseUser | None = None,
    kinds: Iterable[str] | None = None,
) -> EscalationSummary:
    """Evaluate the escalation rules (every one, or those of ``kinds``) as of ``as_of``
    (default today; the weeks judged are the complete ones before its week) with
    :func:`escalation_rule_apply`, each rule in its own transaction. ``user``: the person
    asking (the schedule and the command pass none), who must be allowed to change the rules,
    else ``PermissionDenied``."""
    if user is not None and not user.has_perm(EVALUATE):
        raise PermissionDenied("Evaluating the escalation rules needs the right to change them.")
    as_of = as_of or timezone.localdate()
    chosen = EscalationRule.objects.order_by("kind")
    if kinds is not None:
        chosen = chosen.filter(kind__in=list(kinds))
    return EscalationSummary(
        as_of=as_of, rules=[escalation_rule_apply(rule=rule, as_of=as_of) for rule in chosen]
    )


@transaction.atomic
def escalation_rule_apply(*, rule: EscalationRule, as_of: date) -> RuleOutcome:
    """Raise an exception (kind = the rule's, owned by the rule's owner) for every SKU-location
    crossing the rule, refresh the open one where there is one (never a second: one open per
    SKU-location and kind), and resolve with a note the open ones it no longer finds.

    A disabled rule raises, refreshes and resolves nothing: its open exceptions stay for people
    to handle. The rule's row is locked, so two evaluations of it apply one after the other.
    """
    locked = EscalationRule.objects.select_for_update(of=("self",)).select_related("owner")
    rule = locked.get(pk=rule.pk)
    open_now = query_columns(
        PlanningException.objects.filter(kind=rule.kind, status__in=OPEN_EXCEPTION_STATUSES),
        {"id": "int", "item_id": "int", "location_id": "int"},
    )
    if not rule.enabled:
        return RuleOutcome(rule.kind, enabled=False, left_open=len(open_now["id"]))
    found = EVALUATORS[rule.kind](rule, as_of)
    keys = pair_keys(found.item_id, found.location_id).tolist()
    open_keys = pair_keys(open_now["item_id"], open_now["location_id"]).tolist()
    existing = dict(zip(open_keys, open_now["id"].tolist(), strict=True))
    now, severity = timezone.now(), rules.severity_of(found.measure, rule.threshold)
    crossing = set(keys)
    note = (
        f"Closed by the escalation rule as of {as_of.isoformat()}: no longer beyond its threshold."
    )
    cleared = [pk for key, pk in existing.items() if key not in crossing]
    resolved = sum(
        planning_exceptions_close(pks=part, note=note, now=now) for part in _chunks(cleared)
    )
    new = [row for row, key in enumerate(keys) if key not in existing]
    still = {existing[key]: row for row, key in enumerate(keys) if key in existing}
    owner_id, refused = _owner(rule)
    _create(rule, owner_id, found, severity, new)
    _refresh(rule, owner_id, found, severity, still, now)
    counts = {"raised": len(new), "refreshed": len(still), "resolved": resolved}
    return RuleOutcome(rule.kind, True, **counts, owner_refused=refused)


def _owner(rule: EscalationRule) -> tuple[int | None, str]:
    """(the owner to give the exceptions, the username of a rule owner refused): the rule's
    owner while they may handle exceptions, else none (grants change after the admin offered
    them)."""
    owner = rule.owner
    if owner is None or (owner.is_active and owner.has_perm(HANDLE_EXCEPTIONS)):
        return rule.owner_id, ""
    return None, owner.get_username()


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _create(rule, owner_id, found: rules.Findings, severity: np.ndarray, rows: list[int]) -> None:
    """Insert the new exceptions. One a person reopened for the SKU-location since they were
    read stays theirs (the insert skips what the one-open-per-kind constraint refuses)."""
    today = timezone.localdate()
    PlanningException.objects.bulk_create(
        [
            PlanningException(
                kind=rule.kind,
                escalation_rule=rule,
                owner_id=owner_id,
                item_id=int(found.item_id[row]),
                location_id=int(found.location_id[row]),
                severity=str(severity[row]),
                reasons=found.reasons[row],
                detail=found.details[row],
                money_at_risk=float(found.money_at_risk[row]),
                batch_number=0,
                due_date=today + timedelta(days=DUE_DAYS[severity[row]]),
            )
            for row in rows
        ],
        batch_size=INSERT_BATCH,
        ignore_conflicts=True,
    )


def _refresh(rule, owner_id, found: rules.Findings, severity, rows: dict[int, int], now) -> None:
    """New severity, reasons, detail and money at risk of the open exceptions still found (one
    statement); those without an owner get the rule's. What people set (owner, status, due
    date, notes) is theirs."""
    columns_update(
        PlanningException,
        {
            "pk": list(rows),
            "severity": [str(severity[row]) for row in rows.values()],
            "reasons": [found.reasons[row] for row in rows.values()],
            "detail": [found.details[row] for row in rows.values()],
            "money_at_risk": [float(found.money_at_risk[row]) for row in rows.values()],
            "escalation_rule_id": [rule.pk] * len(rows),
            "updated_at": [now] * len(rows),
        },
    )
    if owner_id is not None:  # the others of the kind were closed or raised with it
        PlanningException.objects.filter(
            kind=rule.kind, status__in=OPEN_EXCEPTION_STATUSES, owner__isnull=True
        ).update(owner_id=owner_id)


SCHEDULE_NAME = "Weekly escalation rules"
SCHEDULE_TASK = "governance.escalations.tasks.escalations_task"


def escalation_schedule_ensure(**kwargs: Any) -> None:
    """post_migrate receiver: the django-q2 schedule that evaluates the rules every Monday at
    06:00, created once (a schedule changed or paused in the admin is left as it is)."""
    from django_q.models import Schedule

    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    Schedule.objects.using(kwargs.get("using", DEFAULT_DB_ALIAS)).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": SCHEDULE_TASK,
            "schedule_type": Schedule.WEEKLY,
            "repeats": -1,
            "next_run": timezone.make_aware(datetime.combine(monday, time(6, 0))),
        },
    )
