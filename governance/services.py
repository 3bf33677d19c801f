"""Writes of the governance app: role permissions, development demo users, exception handling."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from guardian.shortcuts import assign_perm

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionStatus, Role
from governance.models import PlanningException
from governance.selectors import LOCATION_GRANT, WHOLE_NETWORK
from inventory.models import Location

DATA_APPS = ("inventory", "demand", "supply", "scenarios", "governance")
# Users and groups, API tokens (sop_platform) and login lockouts (axes): the admin role's.
ACCOUNT_APPS = ("auth", "sop_platform", "axes")

# Model-level grants per role. Object-level scoping (which locations / categories a planner
# or manager owns) is added with django-guardian by the issues that need it.
RUN_GRANTS = [
    "inventory.start_policyrun",
    "governance.change_planningexception",
    "governance.add_policyproposal",
    "demand.start_forecastrun",
    "demand.add_forecastoverride",
    "demand.add_promotion",
    "demand.change_promotion",
]
# The monthly cycle: managers and executives answer the diagnostic checks no evidence settles
# and close a signed-off cycle; only executives edit the scorecard and sign off.
DIAGNOSTIC_GRANTS = ["governance.add_diagnosticanswer", "governance.change_diagnosticanswer"]
_EXTRA_GRANTS: dict[str, list[str]] = {
    Role.PLANNER: RUN_GRANTS,
    Role.MANAGER: [
        "governance.decide_policyproposal",
        "demand.approve_forecastoverride",
        "governance.add_publicationbatch",
        "governance.add_sopcycle",
        "governance.close_sopcycle",
        "governance.refresh_kpis",
        *DIAGNOSTIC_GRANTS,
        *RUN_GRANTS,
    ],
    Role.EXECUTIVE: [
        "governance.change_scorecardarea",
        "governance.sign_off_sopcycle",
        "governance.close_sopcycle",
        "governance.add_sopcycle",
        *DIAGNOSTIC_GRANTS,
    ],
    Role.INTEGRATION: [],
}


def _view_permissions() -> list[Permission]:
    return list(
        Permission.objects.filter(
            content_type__app_label__in=DATA_APPS, codename__startswith="view_"
        )
    )


def _named_permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return found


@transaction.atomic
def role_permissions_sync() -> None:
    """Give each role group its model permissions (idempotent; adds, never removes).

    planner, manager, executive, integration: view every data model; planners and managers
    may start optimization runs, handle exceptions and propose policy changes; managers may
    also approve or reject proposals and publish policies (policies themselves change only
    through approved proposals; loading through the API is the integration role's, checked
    by the API);
    admin: every permission of the data apps, of users and groups, API tokens and lockouts.
    """
    view = _view_permissions()
    for role, extra in _EXTRA_GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*view, *_named_permissions(extra))
    admin, _ = Group.objects.get_or_create(name=Role.ADMIN)
    admin.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=(*DATA_APPS, *ACCOUNT_APPS))
    )


def role_permissions_sync_after_migrate(**kwargs: Any) -> None:
    """post_migrate receiver: sync grants once the permissions exist."""
    role_permissions_sync()


SCOPED_ROLES = (Role.PLANNER, Role.MANAGER, Role.EXECUTIVE)


@transaction.atomic
def location_scope_grant(
    *,
    user: AbstractBaseUser,
    locations: Iterable[Location] = (),
    whole_network: bool = False,
) -> None:
    """Add locations to a user's scope (django-guardian object permissions), or grant the whole
    network. Granting nothing leaves the scope as it is; without grants a user sees nothing."""
    if whole_network:
        app_label, codename = WHOLE_NETWORK.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    for location in locations:
        assign_perm(LOCATION_GRANT, user, location)
    if hasattr(user, "_location_scope"):
        del user._location_scope
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's login, printed by ``make run``."""

    role: str
    username: str
    password: str


@transaction.atomic
def demo_users_ensure() -> list[DemoLogin]:
    """Create or reset one demo user per role with a fresh random password.

    Development only: refuses unless ``DEBUG`` is on, so production never gets known logins.
    Managers and admins are staff (they work in the admin); the admin is a superuser.
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo users are for development only (DEBUG is off).")
    role_permissions_sync()
    user_model = get_user_model()
    logins = []
    for role in Role:
        username = f"demo-{role.value}"
        user, _ = user_model.objects.get_or_create(username=username)
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.is_staff = role in (Role.MANAGER, Role.ADMIN)
        user.is_superuser = role == Role.ADMIN
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        if role in SCOPED_ROLES:
            location_scope_grant(user=user, whole_network=True)
        logins.append(DemoLogin(role=role.label, username=username, password=password))
    return logins


EXCEPTION_EDITABLE_FIELDS = ("owner", "status", "resolution_notes", "due_date")
CLOSED_EXCEPTION_STATUSES = (ExceptionStatus.RESOLVED, ExceptionStatus.DISMISSED)
HANDLE_EXCEPTIONS = "governance.change_planningexception"


class PlanningExceptionConflict(Exception):
    """A change based on an older version of the exception than the stored one (HTTP 409).

    ``current`` is the exception as stored now, for the person to look at before trying again.
    """

    def __init__(self, current: PlanningException) -> None:
        super().__init__(
            f"Exception #{current.pk} was changed by someone else since you read it (it is at "
            f"version {current.version} now), so your change was not saved. Look at it again "
            "and repeat your change if it still applies."
        )
        self.current = current


@transaction.atomic
def planning_exception_update(
    *,
    exception: PlanningException,
    user: AbstractBaseUser,
    version: int | None = None,
    **changes: Any,
) -> PlanningException:
    """Change who handles an exception, its status, its notes or its due date; nothing else.
    Returns the exception as stored afterwards.

    The stored row is locked and read again first, so changes made at the same moment apply
    one after the other, each to what the other left. ``version`` is the version the caller
    read: when given and no longer the stored one, raises :class:`PlanningExceptionConflict`
    and changes nothing. Every change raises the version by one.

    ``resolution_notes`` is a note to add: it is appended to the notes (a new line), which are
    never overwritten. Resolving or dismissing needs notes (given now or already written). Only a
    change of status moves ``resolved_at``: closing stamps it, reopening clears it, unless
    another open exception of the same kind exists for the SKU-location. The owner must be an
    active user who may handle exceptions. Raises ``PermissionDenied`` when ``user`` may not
    handle exceptions and ``ValidationError`` naming the field otherwise.
    """
    if not user.has_perm(HANDLE_EXCEPTIONS):
        raise PermissionDenied("Handling exceptions needs the planner or manager role.")
    unknown = sorted(set(changes) - set(EXCEPTION_EDITABLE_FIELDS))
    if unknown:
        allowed = ", ".join(EXCEPTION_EDITABLE_FIELDS)
        raise ValidationError(dict.fromkeys(unknown, f"Not editable; change only {allowed}."))
    current = _exception_locked(exception)
    if version is not None and version != current.version:
        raise PlanningExceptionConflict(current)
    if not changes:
        return current
    _exception_owner_check(changes.get("owner"))
    was_closed = current.status in CLOSED_EXCEPTION_STATUSES
    notes = current.resolution_notes
    for name, value in changes.items():
        setattr(current, name, value)
    if "resolution_notes" in changes:  # a note to add: the notes are never overwritten
        current.resolution_notes = notes_appended(notes, changes["resolution_notes"])
    current.clean_fields(exclude=_fields_except(PlanningException, changes))
    moved = _exception_status_apply(current, was_closed=was_closed)
    current.version += 1
    current._history_user = user  # the history row: who, and the notes given as why
    current._change_reason = changes.get("resolution_notes", "")
    _exception_save(current, [*changes, *moved, "version", "updated_at"])
    return current


def planning_exceptions_close(*, pks: Iterable[int], note: str, now, **fields: Any) -> int:
    """Resolve the exceptions ``pks`` that are still open, with ``note`` added to their notes
    (never over a person's), in one statement; ``fields``: more columns to set (a run's
    ``last_run``). For the system's closings (runs, escalation rules); returns how many closed.

    One closed by a person since the caller read it is left as it is; the version moves, so a
    change based on what was read before is refused (409).
    """
    return PlanningException.objects.filter(pk__in=pks, status__in=OPEN_EXCEPTION_STATUSES).update(
        status=ExceptionStatus.RESOLVED,
        resolved_at=now,
        updated_at=now,
        resolution_notes=Case(
            When(resolution_notes="", then=Value(note)),
            default=Concat(F("resolution_notes"), Value(f"\n{note}")),
            output_field=TextField(),
        ),
        version=F("version") + 1,
        **fields,
    )


def notes_appended(notes: str, note: str) -> str:
    """``notes`` with ``note`` added on a line of its own (blank notes added: unchanged)."""
    note = note.strip()
    if not note:
        return notes
    return f"{notes}\n{note}" if notes else note


def _exception_locked(exception: PlanningException) -> PlanningException:
    """The exception as stored now, with its row locked until the transaction ends.

    The rows of every exception of its SKU-location and kind are locked with it, in id order
    (the same order for every writer, so two never wait on each other crosswise): a reopen then
    waits for another reopen of the same kind and sees it. Item, location and kind never change.
    """
    kin = PlanningException.objects.filter(
        item_id=exception.item_id, location_id=exception.location_id, kind=exception.kind
    )
    list(kin.select_for_update().order_by("pk").values_list("pk", flat=True))  # takes the locks
    return PlanningException.objects.select_related("item", "location", "owner").get(
        pk=exception.pk
    )


def _exception_status_apply(exception: PlanningException, *, was_closed: bool) -> list[str]:
    """Check the (possibly new) status and move ``resolved_at`` if it opens or closes the
    exception; the names of the fields moved."""
    closed = exception.status in CLOSED_EXCEPTION_STATUSES
    if closed and not exception.resolution_notes.strip():
        raise ValidationError(
            {"resolution_notes": "Say how it was resolved or why it is dismissed."}
        )
    if closed == was_closed:
        return []  # the same side of open/closed: resolved_at stays as it is
    if not closed:
        _exception_reopen_check(exception)
    exception.resolved_at = timezone.now() if closed else None
    return ["resolved_at"]


def _exception_save(exception: PlanningException, fields: list[str]) -> None:
    """Save ``fields``; an exception of the same kind opened meanwhile by a run (which the
    locks do not cover) is the same refusal as one opened before."""
    try:
        with transaction.atomic():
            exception.save(update_fields=fields)
    except IntegrityError:
        _exception_reopen_check(exception)
        raise ValidationError(
            {"status": "Another exception of this kind was opened for the SKU-location."}
        ) from None


def _exception_owner_check(owner: AbstractBaseUser | None) -> None:
    if owner is not None and not (owner.is_active and owner.has_perm(HANDLE_EXCEPTIONS)):
        raise ValidationError(
            {"owner": f"{owner.get_username()} cannot handle exceptions (planner or manager)."}
        )


def _exception_reopen_check(exception: PlanningException) -> None:
    other = (
        PlanningException.objects.filter(
            item_id=exception.item_id,
            location_id=exception.location_id,
            kind=exception.kind,
            status__in=OPEN_EXCEPTION_STATUSES,
        )
        .exclude(pk=exception.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if other is not None:
        raise ValidationError(
            {"status": f"Exception #{other} of this kind is already open for the SKU-location."}
        )


def _fields_except(model, names) -> list[str]:
    return [field.name for field in model._meta.fields if field.name not in names]
