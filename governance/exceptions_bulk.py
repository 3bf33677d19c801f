"""Handling many planning exceptions at once: the same owner and/or status (and note) given
to each selected one, each through ``governance.services.planning_exception_update``, so every
row keeps its history and its version check.

One refusal does not undo the others: each row is its own change, and the outcome says which
changed and why the others did not.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import PlanningException
from governance.selectors import location_scope
from governance.services import (
    HANDLE_EXCEPTIONS,
    PlanningExceptionConflict,
    planning_exception_update,
)

NOT_FOUND = "Not found at your locations."
CHANGED_MEANWHILE = "Changed by someone else since you read it (now version {version}); not saved."
BULK_MAX = 500  # rows one request may change (a page shows 50)


@dataclass
class BulkOutcome:
    """Exception ids changed, left as they were (already so), and refused with the reason."""

    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def planning_exceptions_update_many(
    *,
    user: AbstractBaseUser,
    selected: Iterable[tuple[int, int]],
    **changes: Any,
) -> BulkOutcome:
    """Give each exception of ``selected`` (pairs of id and the version read) the same
    ``changes`` (owner, status and/or resolution_notes, as the service takes them).

    Exceptions outside the user's locations are refused as not found and never read further;
    a row whose version moved since it was read is refused (someone else changed it); a row
    already as asked (same owner and status, no note) is left alone. Raises
    ``PermissionDenied`` when the user may not handle exceptions.
    """
    if not user.has_perm(HANDLE_EXCEPTIONS):
        raise PermissionDenied("Handling exceptions needs the planner or manager role.")
    wanted = dict(selected)
    if len(wanted) > BULK_MAX:
        raise ValidationError(f"Change at most {BULK_MAX:,} exceptions at once.")
    visible = location_scope(user=user).restrict(PlanningException.objects.all())
    found = {row.pk: row for row in visible.filter(pk__in=wanted).select_related("owner")}
    outcome = BulkOutcome()
    for pk, version in sorted(wanted.items()):
        exception = found.get(pk)
        if exception is None:
            outcome.refused[pk] = NOT_FOUND
        elif _already(exception, changes):
            outcome.unchanged.append(pk)
        else:
            _one(exception, user, version, changes, outcome)
    return outcome


def _already(exception: PlanningException, changes: dict) -> bool:
    """Whether the change would leave the exception as it is."""
    if changes.get("resolution_notes", "").strip():
        return False
    return all(
        getattr(exception, name) == value
        for name, value in changes.items()
        if name in ("owner", "status")
    )


def _one(
    exception: PlanningException,
    user: AbstractBaseUser,
    version: int,
    changes: dict,
    outcome: BulkOutcome,
) -> None:
    try:
        planning_exception_update(exception=exception, user=user, version=version, **changes)
    except PlanningExceptionConflict as conflict:
        outcome.refused[exception.pk] = CHANGED_MEANWHILE.format(version=conflict.current.version)
    except ValidationError as error:
        outcome.refused[exception.pk] = " ".join(error.messages)
    else:
        outcome.changed.append(exception.pk)
