"""The manual answers of the diagnostic: a yes or no with a note, for a check that no evidence
in the system settles (governance.sop.diagnostic.evaluate).

Rules: answering needs ``governance.add_diagnosticanswer`` (a first answer) or
``change_diagnosticanswer`` (a later one) and the whole network in scope (an answer speaks for
the whole network); it is refused once the cycle is signed off or closed, when the check has
evidence, and when someone else answered it since the caller read it. Every answer is
audited (simple-history, with the user) and raises the cycle's version, so a sign-off based on
what was read before the answer is refused.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from governance.choices import SopCycleStatus
from governance.selectors import location_scope
from governance.sop.diagnostic.evaluate import CHECK_BY_NUMBER, check_evidence
from governance.sop.models import DiagnosticAnswer, SopCycle

ADD_ANSWER = "governance.add_diagnosticanswer"
CHANGE_ANSWER = "governance.change_diagnosticanswer"


class DiagnosticAnswerConflict(Exception):
    """The check was answered by someone else since the caller read it (HTTP 409)."""


def answer_version(answer: DiagnosticAnswer | None) -> str:
    """What a form carries to detect a concurrent answer: when the stored answer was given
    ('' before the first)."""
    return "" if answer is None else answer.answered_at.isoformat()


def answers_closed(cycle: SopCycle) -> str:
    """Why the answers of ``cycle`` can no longer change ('' while they can)."""
    if cycle.status != SopCycleStatus.OPEN:
        return f"The {cycle} is closed: its answers are final."
    if cycle.signed_off_at is not None:
        return f"The {cycle} is signed off: its answers are part of what was signed."
    return ""


def answerer_refusal(user: AbstractBaseUser) -> str:
    """Why ``user`` may not answer checks ('' when they may)."""
    if not user.is_active or not (user.has_perm(ADD_ANSWER) or user.has_perm(CHANGE_ANSWER)):
        return "Answering the diagnostic's checks needs the manager or executive role."
    if not location_scope(user=user).whole_network:
        return "An answer speaks for the whole network: it needs the whole network in your scope."
    return ""


@transaction.atomic
def diagnostic_answer_set(
    *,
    cycle: SopCycle,
    check_number: int,
    answer: bool,
    note: str,
    user: AbstractBaseUser,
    version: str | None = None,
) -> DiagnosticAnswer:
    """Record ``user``'s answer to one check of ``cycle`` (``version``: the
    :func:`answer_version` the caller read; None skips that check)."""
    if check_number not in CHECK_BY_NUMBER:
        raise ValidationError({"check_number": f"{check_number} is not a check: give 1 to 15."})
    if not note.strip():
        raise ValidationError({"note": "Say what the answer rests on."})
    refusal = answerer_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)
    # Read before locking: the evidence takes seconds at scale, the lock holds up sign-offs.
    if check_evidence(cycle=cycle, number=check_number).answer is not None:
        raise ValidationError(
            {
                "answer": f"Check {check_number} is settled by evidence in the system: a "
                "manual answer would not count."
            }
        )
    locked = SopCycle.objects.select_for_update().get(pk=cycle.pk)
    closed = answers_closed(locked)
    if closed:
        raise ValidationError(closed)
    existing = (
        DiagnosticAnswer.objects.select_for_update()
        .filter(cycle=locked, check_number=check_number)
        .select_related("answered_by")
        .first()
    )
    if not user.has_perm(CHANGE_ANSWER if existing else ADD_ANSWER):
        raise PermissionDenied(
            f"{'Changing' if existing else 'Giving'} an answer needs the manager or executive role."
        )
    if version is not None and version != answer_version(existing):
        raise DiagnosticAnswerConflict(_conflict(check_number, existing))
    record = existing or DiagnosticAnswer(cycle=locked, check_number=check_number)
    record.answer, record.note, record.answered_by = answer, note.strip(), user
    record._history_user = user
    record._change_reason = f"Check {check_number} answered {'yes' if answer else 'no'}."
    record.save()
    SopCycle.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    return record


def _conflict(number: int, existing: DiagnosticAnswer | None) -> str:
    if existing is None:
        return f"Check {number} has no answer to change; look at it again."
    who = existing.answered_by.get_username()
    return f"Check {number} was answered by {who} since you read it; look at it again."
