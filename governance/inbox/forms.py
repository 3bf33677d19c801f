"""The inbox's bulk form: the rows selected (each with the version the page showed), the owner
and/or status to give them all, and a note. It only shapes input; the rules are the
service's (governance.exceptions_bulk, governance.services)."""

import re
from collections.abc import Iterable

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from governance.choices import ExceptionStatus
from governance.exceptions_bulk import BULK_MAX
from governance.services import CLOSED_EXCEPTION_STATUSES

KEEP, NOBODY = "", "-"
SELECTED = re.compile(r"(\d{1,10}):(\d{1,10})")


class SelectedField(forms.Field):
    """Checkbox values ``"<id>:<version>"``: pairs of the exception and the version read."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[tuple[int, int]]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        pairs = []
        for text in values:
            match = SELECTED.fullmatch(str(text))
            if match is None:
                raise ValidationError(f"{text!r} is not an exception of this page.")
            pairs.append((int(match[1]), int(match[2])))
        if len(pairs) > BULK_MAX:
            raise ValidationError(f"Select at most {BULK_MAX:,} exceptions at once.")
        return pairs

    def validate(self, value) -> None:
        if not value:
            raise ValidationError("Select the exceptions to change.")


class ExceptionBulkForm(forms.Form):
    """Owner and/or status to give every selected exception, and a note to add to each;
    ``changes()`` gives the service's keyword arguments."""

    selected = SelectedField()
    owner = forms.ChoiceField(required=False, label="Assign to")
    status = forms.ChoiceField(
        required=False,
        label="Set status",
        choices=[(KEEP, "— keep —"), *ExceptionStatus.choices],
    )
    note = forms.CharField(
        required=False,
        max_length=5000,
        label="Note to add",
        widget=forms.TextInput(attrs={"size": 40}),
        help_text="Needed to resolve or dismiss.",
    )

    def __init__(self, data=None, *, owners: Iterable[AbstractBaseUser], **kwargs) -> None:
        """``owners``: the users who may be given exceptions (evaluated once per request)."""
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(data, **kwargs)
        self._owners = {user.get_username(): user for user in owners}
        self.fields["owner"].choices = [
            (KEEP, "— keep —"),
            (NOBODY, "— nobody —"),
            *((name, name) for name in sorted(self._owners)),
        ]

    def clean(self) -> dict:
        data = super().clean()
        owner, status = data.get("owner", KEEP), data.get("status", KEEP)
        note = data.get("note", "").strip()
        if owner == KEEP and status == KEEP and not note and not self.errors:
            raise ValidationError("Choose an owner, a status or a note for the selected rows.")
        if status in CLOSED_EXCEPTION_STATUSES and not note:
            self.add_error("note", "Say how they were resolved or why they are dismissed.")
        return data

    def changes(self) -> dict:
        """The service's keyword arguments: only what is to change."""
        data, changes = self.cleaned_data, {}
        if data["owner"] != KEEP:
            changes["owner"] = None if data["owner"] == NOBODY else self._owners[data["owner"]]
        if data["status"] != KEEP:
            changes["status"] = data["status"]
        if data["note"].strip():
            changes["resolution_notes"] = data["note"]
        return changes
