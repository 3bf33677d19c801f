"""The form that starts a forecast run from the forecast runs page.

It only collects input: scope and parameter rules live in ``scope_resolve`` and
``forecast_parameters_build``, whose errors name the field and are put back on the form.
"""

from django import forms
from django.db.models import QuerySet

from inventory.models import Location
from inventory.runs.forms import RunStartForm

PARAMETER_FIELDS = ("horizon_periods", "holdout_periods", "season_length", "history_periods")


class ForecastRunStartForm(forms.Form):
    """Scope (empty means everything in the user's scope), as-of date, description and the
    horizon, holdout, season and history lengths (blank: the forecast settings')."""

    locations = forms.MultipleChoiceField(
        required=False,
        help_text="Ctrl- or ⌘-click for several; none: every location in your scope.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    categories = forms.MultipleChoiceField(
        required=False,
        help_text="Ctrl- or ⌘-click for several; none: every category.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    as_of = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A Monday: history before it is fitted, forecasts start on it. Blank: this "
        "week's Monday.",
    )
    horizon_periods = forms.IntegerField(required=False, help_text="Weeks forecast ahead.")
    holdout_periods = forms.IntegerField(
        required=False, help_text="Last weeks held out to choose each row's method."
    )
    season_length = forms.IntegerField(required=False, help_text="Weeks in a season.")
    history_periods = forms.IntegerField(required=False, help_text="Weeks of history fitted.")
    description = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, locations: QuerySet[Location], **kwargs) -> None:
        """``locations``: those the user may run (their scope)."""
        super().__init__(*args, **kwargs)
        choices = RunStartForm(locations=locations).fields
        self.fields["locations"].choices = choices["locations"].choices
        self.fields["categories"].choices = choices["categories"].choices

    def scope_codes(self) -> dict[str, list[str]]:
        """Keyword arguments of ``scope_resolve``."""
        return {name: list(self.cleaned_data[name]) for name in ("locations", "categories")}

    def parameters(self) -> dict:
        """The parameters given (blank ones fall back to the forecast settings)."""
        given = {name: self.cleaned_data[name] for name in PARAMETER_FIELDS}
        return {name: value for name, value in given.items() if value is not None}

    add_service_error = RunStartForm.add_service_error
