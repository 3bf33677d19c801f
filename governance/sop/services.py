"""Writes of the monthly S&OP cycle, called alike by the pages and any other interface.

Rules, on every path:
- a cycle is opened for a month (its first day), at most one per month, never for a future
  month, by someone holding ``governance.add_sopcycle``; it gets one scorecard row per
  diagnostic area, carrying over the decisions (with owner and due date) the previous cycle
  left, which stay until an executive clears them;
- the gate: the cycle cannot be signed off while policy changes proposed in its month await a
  decision, and cannot close while any does (one proposed after the sign-off too) or before
  it is signed off;
- only executives sign off (``governance.sign_off_sopcycle``) and edit the scorecard
  (``governance.change_scorecardarea``); signing off needs the whole network in the
  executive's scope, since the cycle and its summary are the network's;
- the sign-off stores what was signed off (governance.sop.summary), who, when and a note; a
  later sign-off of the still-open cycle replaces it (the history keeps each);
- every write locks the row, refuses a change based on an older version
  (:class:`SopCycleConflict`, HTTP 409) and raises the version; every write is audited by
  django-simple-history with the user.
"""

from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.choices import DiagnosticArea, SopCycleStatus
from governance.proposals import audited, require_permission
from governance.selectors import location_scope
from governance.sop.models import ScorecardArea, SopCycle
from governance.sop.selectors import current_month, month_start, sop_cycle_open_reviews

OPEN_CYCLE = "governance.add_sopcycle"
SIGN_OFF = "governance.sign_off_sopcycle"
CLOSE = "governance.close_sopcycle"
EDIT_AREA = "governance.change_scorecardarea"
CARRIED_OVER = ("decision_needed", "owner", "due_date")
REVIEWS_NAMED = 10  # open reviews named by number in a refusal; beyond that, counted


class SopCycleConflict(Exception):
    """The cycle or scorecard row changed since the caller read it (HTTP 409)."""


@transaction.atomic
def sop_cycle_open(*, month: date, user: AbstractBaseUser) -> SopCycle:
    """Open the S&OP cycle of ``month`` (any day of it) with its five scorecard rows."""
    require_permission(
        user, OPEN_CYCLE, "Opening an S&OP cycle needs the manager or executive role."
    )
    month = month_start(month)
    if month > current_month():
        raise ValidationError({"month": f"{month:%B %Y} has not begun: open it then."})
    if SopCycle.objects.filter(month=month).exists():
        raise ValidationError({"month": f"The S&OP cycle of {month:%B %Y} is already open."})
    previous = SopCycle.objects.filter(month__lt=month).order_by("-month").first()
    cycle = SopCycle(month=month, opened_by=user)
    try:
        with transaction.atomic():
            audited(cycle, user, "Opened.").save()
    except IntegrityError:  # opened by someone else at the same moment
        raise ValidationError(
            {"month": f"The S&OP cycle of {month:%B %Y} is already open."}
        ) from None
    carried = _carried_over(previous)
    for area in DiagnosticArea.values:
        row = ScorecardArea(cycle=cycle, area=area, **carried.get(area, {}))
        reason = f"Carried over from {previous}." if area in carried else "Opened."
        audited(row, user, reason).save()
    return cycle


def _carried_over(previous: SopCycle | None) -> dict[str, dict]:
    """Per area, the decision the previous cycle left open (with its owner and due date)."""
    if previous is None:
        return {}
    return {
        row.area: {name: getattr(row, name) for name in CARRIED_OVER}
        for row in previous.areas.all()
        if row.decision_needed.strip()
    }


@transaction.atomic
def sop_cycle_sign_off(
    *, cycle: SopCycle, user: AbstractBaseUser, note: str, version: int
) -> SopCycle:
    """Sign the cycle off: stores who, when, the note and the summary signed off (the
    diagnostic, headline KPIs, the exception backlog and the scorecard rows)."""
    from governance.sop.summary import scorecard_summary  # reads KPIs, exceptions, diagnostic

    require_permission(user, SIGN_OFF, "Only executives sign off the S&OP cycle.")
    if not location_scope(user=user).whole_network:
        raise PermissionDenied(
            "Signing off the S&OP cycle needs the whole network in your scope: the cycle is "
            "the network's. Ask an administrator for the whole-network grant."
        )
    locked = _cycle_locked(cycle, version)
    _require_open(locked, "signed off")
    _require_no_open_reviews(locked, "signed off")
    locked.signed_off_by = user
    locked.signed_off_at = timezone.now()
    locked.sign_off_note = note.strip()
    locked.summary = scorecard_summary(cycle=locked, scope=location_scope(user=user))
    locked.version += 1
    audited(locked, user, f"Signed off. {locked.sign_off_note}".strip()).save()
    return locked


@transaction.atomic
def sop_cycle_close(*, cycle: SopCycle, user: AbstractBaseUser, version: int) -> SopCycle:
    """Close a signed-off cycle once every policy change proposed in its month is decided."""
    require_permission(user, CLOSE, "Closing an S&OP cycle needs the manager or executive role.")
    locked = _cycle_locked(cycle, version)
    _require_open(locked, "closed")
    if locked.signed_off_at is None:
        raise ValidationError(
            {"cycle": f"{locked} is not signed off yet: an executive signs it off first."}
        )
    _require_no_open_reviews(locked, "closed")
    locked.status = SopCycleStatus.CLOSED
    locked.closed_by = user
    locked.closed_at = timezone.now()
    locked.version += 1
    audited(locked, user, "Closed.").save()
    return locked


@transaction.atomic
def scorecard_area_update(
    *,
    area: ScorecardArea,
    user: AbstractBaseUser,
    version: int,
    observation: str,
    decision_needed: str,
    owner: AbstractBaseUser | None,
    due_date: date | None,
) -> ScorecardArea:
    """Set a scorecard row's key observation, decision needed, owner and due date."""
    require_permission(user, EDIT_AREA, "Only executives edit the scorecard.")
    locked = ScorecardArea.objects.select_for_update().select_related("cycle").get(pk=area.pk)
    if locked.cycle.status == SopCycleStatus.CLOSED:
        raise ValidationError({"cycle": f"{locked.cycle} is closed: its scorecard is final."})
    if version != locked.version:
        raise SopCycleConflict(
            f"{locked.get_area_display()} was changed by someone else since you read it "
            f"(version {locked.version} now, {version} read), so your change was not saved. "
            "Look at it again and repeat your change if it still applies."
        )
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": f"{owner.get_username()} is not an active user."})
    locked.observation = observation.strip()
    locked.decision_needed = decision_needed.strip()
    locked.owner = owner
    locked.due_date = due_date
    locked.version += 1
    audited(locked, user, "Scorecard row edited.").save()
    return locked


def _cycle_locked(cycle: SopCycle, version: int) -> SopCycle:
    """The cycle as stored now, locked, once ``version`` is the stored one."""
    locked = SopCycle.objects.select_for_update().get(pk=cycle.pk)
    if version != locked.version:
        raise SopCycleConflict(
            f"{locked} changed since you read it (version {locked.version} now, {version} "
            "read): look at it again."
        )
    return locked


def _require_open(cycle: SopCycle, action: str) -> None:
    if cycle.status == SopCycleStatus.CLOSED:
        raise ValidationError({"cycle": f"{cycle} is already closed: it cannot be {action}."})


def _require_no_open_reviews(cycle: SopCycle, action: str) -> None:
    """The gate: refuses, naming the open reviews, while any policy change proposed in the
    cycle's month awaits a decision."""
    waiting = list(sop_cycle_open_reviews(cycle=cycle).values_list("pk", flat=True))
    if not waiting:
        return
    named = ", ".join(f"#{pk}" for pk in waiting[:REVIEWS_NAMED])
    more = f" and {len(waiting) - REVIEWS_NAMED} more" if len(waiting) > REVIEWS_NAMED else ""
    count = f"{len(waiting)} policy change{'s' if len(waiting) != 1 else ''}"
    raise ValidationError(
        {
            "cycle": f"{cycle} cannot be {action}: {count} proposed in {cycle.month:%B %Y} "
            f"await{'s' if len(waiting) == 1 else ''} a decision (proposal {named}{more}). "
            "A manager approves or rejects them first."
        }
    )
