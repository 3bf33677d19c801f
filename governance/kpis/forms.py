"""The KPI query (which KPIs, grain, weeks, drill-down) as the KPI page and the KPI API take
it from a query string, checked field by field."""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms

from governance.kpis.definitions import KPIS
from governance.kpis.selectors import DIMENSIONS, NONE_LABEL, Dimension, Grain
from governance.selectors import LocationScope
from inventory.models import Location

DEFAULT_KEYS = (
    "fill_rate",
    "cycle_service",
    "stockout_rate",
    "inventory_value",
    "turns",
    "days_of_supply",
    "excess_value",
    "expedite_count",
    "wape",
)
"""The KPIs shown when none is picked: service, stock, cost and forecast quality."""
DEFAULT_WEEKS = 52
"""Weeks shown when no first week is given: a year ending with the latest computed week."""
NONE_VALUE = NONE_LABEL
"""How a query string names "no category" or "no segment" (an empty value means no filter)."""


@dataclass(frozen=True)
class KpiQuery:
    """A checked KPI query: keys in page order, grain, the span's Mondays (None: no KPI is
    computed yet), the breakdown's dimension and the drill-down filters (None: not filtered)."""

    keys: list[str]
    grain: Grain
    first: date | None
    last: date | None
    dimension: Dimension
    location: Location | None
    category: str | None
    segment: str | None

    @property
    def filtered(self) -> bool:
        """Whether a drill-down filter narrows the KPIs."""
        return any(v is not None for v in (self.location, self.category, self.segment))

    def chosen(self, dimension: Dimension) -> int | str | None:
        """The value the page is filtered to along ``dimension`` (a location's id), or None."""
        if dimension == "location":
            return None if self.location is None else self.location.pk
        return self.category if dimension == "category" else self.segment

    def selector_filters(self, *, besides: Dimension | None = None) -> dict:
        """The drill-down as the selectors' keyword arguments, less the filter along
        ``besides`` (a breakdown along a dimension lists all of its values)."""
        filters = {
            "locations": None if self.location is None else [self.location.pk],
            "category": self.category,
            "segment": self.segment,
        }
        if besides is not None:
            filters["locations" if besides == "location" else besides] = None
        return filters


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class KpiQueryForm(forms.Form):
    """``kpi`` (repeatable), ``grain``, ``first`` / ``last`` (any day of their week),
    ``dimension``, and the drill-down: ``location`` (a code in the user's scope), ``category``
    and ``segment`` ("(none)" for rows without one)."""

    kpi = forms.MultipleChoiceField(choices=[(k.key, k.label) for k in KPIS], required=False)
    grain = forms.ChoiceField(choices=[("week", "Weekly"), ("month", "Monthly")], required=False)
    first = forms.DateField(required=False)
    last = forms.DateField(required=False)
    dimension = forms.ChoiceField(choices=[(d, d.title()) for d in DIMENSIONS], required=False)
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), to_field_name="code", required=False
    )
    category = forms.CharField(max_length=80, required=False)
    segment = forms.CharField(max_length=6, required=False)

    def __init__(self, *args, scope: LocationScope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = scope.locations().order_by("code")
        self.fields["location"].error_messages["invalid_choice"] = (
            "No location with this code in your scope."
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and last < first:
            self.add_error("last", f"The last week ({last}) is before the first ({first}).")
        return cleaned

    def query(self, *, latest: date | None) -> KpiQuery:
        """The checked query, the span defaulting to the year up to ``latest`` (the latest
        computed week with demand: the week in progress has none yet); call after
        ``is_valid``."""
        data = self.cleaned_data
        last = _monday(data["last"]) if data["last"] else latest
        first = _monday(data["first"]) if data["first"] else None
        if first is None and last is not None:
            first = last - timedelta(weeks=DEFAULT_WEEKS - 1)
        return KpiQuery(
            keys=[k.key for k in KPIS if k.key in data["kpi"]] or list(DEFAULT_KEYS),
            grain=data["grain"] or "week",
            first=first,
            last=last,
            dimension=data["dimension"] or "location",
            location=data["location"],
            category=_optional(data["category"]),
            segment=_optional(data["segment"]),
        )


def _optional(value: str) -> str | None:
    """A drill-down value: None when not given, '' for "(none)"."""
    if not value:
        return None
    return "" if value == NONE_VALUE else value
