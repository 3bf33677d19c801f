"""The accuracy query (kind, lag, window, last week, location, category) as the accuracy page
and the API take it from a query string, checked field by field."""

from datetime import timedelta

from django import forms

from demand.accuracy.selectors import PLANNED, AccuracyQuery
from demand.choices import ForecastKind
from governance.selectors import LocationScope
from inventory.models import Location

KIND_CHOICES = [(PLANNED, "Plan (consensus, else statistical)"), *ForecastKind.choices]
MAX_LAG = 26
"""Weeks ahead a forecast is measured at, at most (a forecast run's horizon)."""
MIN_WEEKS, MAX_WEEKS = 1, 52
DEFAULT_WEEKS = 13
"""The window: a quarter (three months)."""


class AccuracyQueryForm(forms.Form):
    """``kind``, ``lag`` (weeks), ``weeks`` (the window), ``last`` (any day of the window's
    last week; default the last complete week), ``location`` (a code in the user's scope) and
    ``category``."""

    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False)
    lag = forms.IntegerField(min_value=1, max_value=MAX_LAG, required=False)
    weeks = forms.IntegerField(min_value=MIN_WEEKS, max_value=MAX_WEEKS, required=False)
    last = forms.DateField(required=False)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), to_field_name="code", required=False
    )
    category = forms.CharField(max_length=80, required=False)

    def __init__(self, *args, scope: LocationScope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = scope.locations().order_by("code")
        self.fields["location"].error_messages["invalid_choice"] = (
            "No location with this code in your scope."
        )

    def query(self) -> AccuracyQuery:
        """The checked query; call after ``is_valid``."""
        data = self.cleaned_data
        last = data["last"]
        return AccuracyQuery(
            kind=data["kind"] or PLANNED,
            lag=data["lag"] or 1,
            weeks=data["weeks"] or DEFAULT_WEEKS,
            last=last - timedelta(days=last.weekday()) if last else None,
            location_id=data["location"].pk if data["location"] else None,
            category=data["category"] or None,
        )
