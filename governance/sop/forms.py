"""Forms of the S&OP pages. They only shape input: the rules (who may, the gate, closed
cycles, stale versions) live in governance.sop.services, whose ``ValidationError`` goes back
on the field it names."""

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from governance.choices import Role
from governance.sop.models import ScorecardArea

MAX_VERSION = 2_147_483_647
TEXT_LIMIT = 2000


def scorecard_owner_candidates() -> QuerySet:
    """Active users in a role, by username: who may own a scorecard decision."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=Role.values)
        .distinct()
        .order_by("username")
    )


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)


class ServiceErrorsMixin:
    """Puts a service's ``ValidationError`` on the fields it names (else on the form)."""

    def add_service_error(self, error: ValidationError) -> None:
        """Each message on its field when the form has it, else on the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class ScorecardAreaForm(ServiceErrorsMixin, forms.Form):
    """One scorecard row as executives edit it, and (hidden) the version the page showed."""

    observation = forms.CharField(
        required=False,
        max_length=TEXT_LIMIT,
        label="Key observation",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision_needed = forms.CharField(
        required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ChoiceField(required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    version = _version_field()

    def __init__(self, data=None, *, area: ScorecardArea, owners, **kwargs) -> None:
        """``owners``: the users offered as owner (evaluated once per page, not per row)."""
        kwargs.setdefault("prefix", area.area)
        kwargs.setdefault(
            "initial",
            {
                "observation": area.observation,
                "decision_needed": area.decision_needed,
                "owner": area.owner.get_username() if area.owner else "",
                "due_date": area.due_date,
                "version": area.version,
            },
        )
        super().__init__(data, **kwargs)
        self.area = area
        self.owners = list(owners)
        self._owners = {user.get_username(): user for user in self.owners}
        if area.owner is not None:  # stays selectable even if no longer a candidate
            self._owners.setdefault(area.owner.get_username(), area.owner)
        self.fields["owner"].choices = [("", "— nobody —")] + [
            (name, name) for name in sorted(self._owners)
        ]
        self.form_id = f"area-form-{area.area}"
        for field in self.fields.values():  # the inputs sit in the row's cells, not the form
            field.widget.attrs["form"] = self.form_id

    def clean_owner(self) -> AbstractBaseUser | None:
        name = self.cleaned_data["owner"]
        return self._owners[name] if name else None

    @classmethod
    def as_stored(cls, area: ScorecardArea, *, owners, error: str) -> "ScorecardAreaForm":
        """The form filled in with the row as stored now (and its version), ``error`` on top:
        what to show when a change based on an older version was refused."""
        shown = cls(area=area, owners=owners)
        data = {f"{shown.prefix}-{name}": shown[name].value() or "" for name in shown.fields}
        form = cls(data, area=area, owners=owners)
        form.add_error(None, error)
        return form


class SignOffForm(ServiceErrorsMixin, forms.Form):
    """The executive's note on signing a cycle off, and the cycle version the page showed."""

    note = forms.CharField(
        required=False,
        max_length=TEXT_LIMIT,
        label="Sign-off note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was decided, for the record (stored with the summary).",
    )
    version = _version_field()


class CycleVersionForm(ServiceErrorsMixin, forms.Form):
    """A button on a cycle (close it): only the version the page showed."""

    version = _version_field()


class CycleOpenForm(forms.Form):
    """The month whose cycle to open, as YYYY-MM (the page offers the current month)."""

    month = forms.DateField(input_formats=["%Y-%m"], widget=forms.HiddenInput)

    def clean_month(self) -> date:
        return self.cleaned_data["month"].replace(day=1)
