"""The form that handles a planning exception from the Runs pages and the inbox.

It only shapes input: who owns the exception, its status, its due date and the resolution
notes. The rules (notes needed to resolve or dismiss, who may own an exception, reopening)
live in ``governance.services.planning_exception_update``, whose ``ValidationError`` is put
back on the field it names.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionStatus
from governance.models import PlanningException
from governance.services import (
    HANDLE_EXCEPTIONS,
    PlanningExceptionConflict,
    planning_exception_update,
)


def exception_owner_candidates() -> QuerySet:
    """Active users holding the permission to handle exceptions (through a group, directly or
    as superusers), by username: the choices of the owner field. The service still checks
    whoever is chosen."""
    app_label, codename = HANDLE_EXCEPTIONS.split(".")
    group_grant = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    direct_grant = Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | group_grant | direct_grant, is_active=True)
        .distinct()
        .order_by("username")
    )


class ExceptionHandleForm(forms.Form):
    """Owner, status, due date and notes of one exception, and (hidden) the version the page
    showed; ``changes()`` gives the service's keyword arguments (only the fields the user
    changed), ``version_read()`` the version to check them against."""

    owner = forms.ChoiceField(required=False)
    status = forms.ChoiceField(choices=ExceptionStatus.choices)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    resolution_notes = forms.CharField(
        required=False,
        max_length=5000,
        label="Add a note",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
        help_text="Added to the notes (kept, never overwritten); a note is required to "
        "resolve or dismiss unless one is written.",
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2_147_483_647
    )

    def __init__(
        self,
        data=None,
        *,
        exception: PlanningException,
        owners: Iterable[AbstractBaseUser],
        **kwargs,
    ) -> None:
        """``owners``: the users offered as owner (evaluated once per page, not per row)."""
        kwargs.setdefault("auto_id", f"exception-{exception.pk}-%s")
        current = exception.owner
        kwargs.setdefault(
            "initial",
            {
                "owner": current.get_username() if current else "",
                "status": exception.status,
                "due_date": exception.due_date,
                "resolution_notes": "",  # a new note; the notes so far show beside it
                "version": exception.version,
            },
        )
        super().__init__(data, **kwargs)
        self.exception = exception
        self._owners = {user.get_username(): user for user in owners}
        if current is not None:  # stays selectable even if no longer a candidate
            self._owners.setdefault(current.get_username(), current)
        self.fields["owner"].choices = [("", "— nobody —")] + [
            (name, name) for name in sorted(self._owners)
        ]

    def clean_owner(self) -> AbstractBaseUser | None:
        name = self.cleaned_data["owner"]
        return self._owners[name] if name else None

    @classmethod
    def as_stored(
        cls, exception: PlanningException, *, owners: Iterable[AbstractBaseUser], error: str
    ) -> "ExceptionHandleForm":
        """The form filled in with the exception as stored now (and its version), ``error`` on
        top: what to show when a change based on an older version was refused."""
        shown = cls(exception=exception, owners=owners)
        data = {name: shown[name].value() for name in shown.fields}
        form = cls(data, exception=exception, owners=owners)
        form.add_error(None, error)
        return form

    def changes(self) -> dict:
        """The changed fields, as keyword arguments of ``planning_exception_update``."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}

    def version_read(self) -> int | None:
        """The version the page showed (None when the post carried none)."""
        return self.cleaned_data.get("version")

    def add_service_error(self, error: ValidationError) -> None:
        """Put the service's ``ValidationError`` on the fields it names (else on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


@dataclass
class HandleOutcome:
    """What posting a handling form did: ``saved`` (with ``changed`` fields, or none), or
    not, with the form to show again: its errors, or, after a ``conflict``, the exception as
    stored now."""

    form: ExceptionHandleForm
    saved: bool = False
    changed: bool = False
    conflict: bool = False


def exception_handle(
    data, *, exception: PlanningException, user: AbstractBaseUser, owners: Iterable
) -> HandleOutcome:
    """Apply a posted handling form through ``planning_exception_update`` (the pages' one
    way to change an exception); PermissionDenied goes on to the caller (a 403)."""
    form = ExceptionHandleForm(data, exception=exception, owners=owners)
    if not form.is_valid():
        return HandleOutcome(form)
    changes = form.changes()
    try:
        planning_exception_update(
            exception=exception, user=user, version=form.version_read(), **changes
        )
    except ValidationError as error:
        form.add_service_error(error)
        return HandleOutcome(form)
    except PlanningExceptionConflict as conflict:
        stored = ExceptionHandleForm.as_stored(conflict.current, owners=owners, error=str(conflict))
        return HandleOutcome(stored, conflict=True)
    return HandleOutcome(form, saved=True, changed=bool(changes))


def exception_row(exception: PlanningException, form: ExceptionHandleForm | None, today) -> dict:
    """What a list of exceptions shows of one: its age in days ("today" when new), whether
    it is overdue, and its handling form when open."""
    age = (today - timezone.localdate(exception.created_at)).days
    return {
        "exception": exception,
        "form": form,
        "age": "today" if age <= 0 else f"{age} d",
        "overdue": exception.status in OPEN_EXCEPTION_STATUSES and exception.due_date < today,
    }
