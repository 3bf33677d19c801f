"""The form that starts an optimization run from the Runs page.

It only collects input: the scope and parameter rules live in ``scope_resolve`` and
``parameters_build``, whose errors name the field and are put back on the form here.
"""

from dataclasses import fields

from django import forms
from django.db.models import QuerySet

from inventory.models import Item, Location
from inventory.runs.parameters import RunParameters
from inventory.runs.scope import SEGMENTS

PARAMETER_FIELDS = (
    "demand_model",
    "calibrate",
    "service_mode",
    "aggregate_fill",
    "budget",
    "backtest_periods",
    "use_forecasts",
    "forecast_horizon",
    "history_periods",
    "review_period",
    "holding_rate",
    "batch_size",
)
SCOPE_FIELDS = ("locations", "categories", "segments")
_DEFAULTS = {f.name: f.default for f in fields(RunParameters)}


class RunStartForm(forms.Form):
    """Scope (empty means everything), description and the main run parameters."""

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
    segments = forms.MultipleChoiceField(
        required=False,
        choices=[(s, s) for s in SEGMENTS],
        widget=forms.CheckboxSelectMultiple,
        help_text="ABC-XYZ segments; none ticked: every segment.",
    )
    description = forms.CharField(required=False, max_length=200)
    demand_model = forms.ChoiceField(
        required=False,
        choices=[
            ("history", "From the history (per-row distribution)"),
            ("parametric", "Parametric (mean and sd)"),
        ],
        initial=_DEFAULTS["demand_model"],
        help_text="How lead-time demand is modelled.",
    )
    calibrate = forms.NullBooleanField(
        required=False,
        widget=forms.Select(
            choices=[("", "Default (with the history model)"), ("true", "Yes"), ("false", "No")]
        ),
        help_text="Correct the targets so the promise is kept on past demand.",
    )
    service_mode = forms.ChoiceField(
        required=False,
        choices=[
            ("classes", "Per service class (ABC-XYZ targets)"),
            ("optimized", "Optimized across the run (history model)"),
        ],
        initial=_DEFAULTS["service_mode"],
        help_text="Where each SKU-location's service target comes from.",
    )
    aggregate_fill = forms.FloatField(
        required=False,
        help_text="Optimized: the aggregate fill rate to reach, e.g. 0.95.",
    )
    budget = forms.FloatField(
        required=False,
        help_text="Optimized, instead of a fill rate: the average stock value not to exceed.",
    )
    backtest_periods = forms.IntegerField(
        required=False,
        initial=_DEFAULTS["backtest_periods"],
        help_text="Last periods replayed against your current min/max (0: none).",
    )
    use_forecasts = forms.NullBooleanField(
        required=False,
        widget=forms.Select(choices=[("", "Default (yes)"), ("true", "Yes"), ("false", "No")]),
        help_text="Plan at the forward forecast (consensus, else statistical) where there is one.",
    )
    forecast_horizon = forms.IntegerField(
        required=False,
        initial=_DEFAULTS["forecast_horizon"],
        help_text="Periods of forward forecast read (time-phased levels).",
    )
    history_periods = forms.IntegerField(
        required=False, initial=_DEFAULTS["history_periods"], help_text="Periods of history."
    )
    review_period = forms.FloatField(
        required=False, initial=_DEFAULTS["review_period"], help_text="Periods between reviews."
    )
    holding_rate = forms.FloatField(
        required=False, initial=_DEFAULTS["holding_rate"], help_text="Share of unit cost a year."
    )
    batch_size = forms.IntegerField(
        required=False, initial=_DEFAULTS["batch_size"], help_text="SKU-locations per batch."
    )

    def __init__(self, *args, locations: QuerySet[Location], **kwargs) -> None:
        """``locations``: those the user may run (their scope)."""
        super().__init__(*args, **kwargs)
        self.fields["locations"].choices = [
            (code, f"{code} · {name}")
            for code, name in locations.order_by("code").values_list("code", "name")
        ]
        categories = (
            Item.objects.exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        self.fields["categories"].choices = [(c, c) for c in categories]

    def scope_codes(self) -> dict[str, list[str]]:
        """Keyword arguments of ``scope_resolve``."""
        return {name: list(self.cleaned_data[name]) for name in SCOPE_FIELDS}

    def parameters(self) -> dict:
        """The parameters given (blank ones fall back to the run's defaults)."""
        return {
            name: self.cleaned_data[name]
            for name in PARAMETER_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        }

    def add_service_error(self, error: Exception) -> None:
        """Attach a ``ScopeError`` / ``ParameterError`` ("field: message") to its field."""
        name, _, message = str(error).partition(": ")
        if name in self.fields and message:
            self.add_error(name, message)
        else:
            self.add_error(None, str(error))
