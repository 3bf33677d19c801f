"""The base of every FilterSet: typed filters that reject what their schema does not allow.

django-filter ignores a boolean it cannot read (``?blocked=null`` filters nothing) and reads
whole-number fields as decimals (``?echelon=0.5``); here both are 400s naming the parameter,
as the OpenAPI schema says.
"""

import django_filters as filters
from django import forms
from django.db import models
from drf_spectacular.utils import extend_schema_field


class StrictBooleanField(forms.TypedChoiceField):
    """``true`` or ``false`` (or absent); anything else is an error."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.update(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            empty_value=None,
        )
        super().__init__(*args, **kwargs)


class StrictBooleanFilter(filters.BooleanFilter):
    """A boolean filter that accepts only ``true`` and ``false``."""

    field_class = StrictBooleanField


BIGINT_RANGE = (-(2**63), 2**63 - 1)  # what every database compares without overflowing


class BoundedIntegerField(forms.IntegerField):
    """A whole number within a 64-bit integer column's range."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", BIGINT_RANGE[0])
        kwargs.setdefault("max_value", BIGINT_RANGE[1])
        super().__init__(*args, **kwargs)


@extend_schema_field(
    {"type": "integer", "format": "int64", "minimum": BIGINT_RANGE[0], "maximum": BIGINT_RANGE[1]}
)
class IntegerFilter(filters.NumberFilter):
    """A filter on a whole-number field: ``0.5`` is an error, not a decimal."""

    field_class = BoundedIntegerField


MONEY_MAX = 10**14  # a money column holds 14 digits before the decimal point at the most


class BoundedMoneyField(forms.DecimalField):
    """An amount from 0 to MONEY_MAX, any number of decimals (it is only compared)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MONEY_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "number", "minimum": 0, "maximum": MONEY_MAX})
class MoneyFilter(filters.NumberFilter):
    """A filter on an amount of money: its bounds are in the schema, so nothing the schema
    allows is refused."""

    field_class = BoundedMoneyField


class StrictFilterSet(filters.FilterSet):
    """FilterSet whose generated boolean and whole-number filters are strict."""

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if filter_class is filters.BooleanFilter:
            return StrictBooleanFilter, params
        if filter_class is filters.NumberFilter and isinstance(field, models.IntegerField):
            return IntegerFilter, params
        return filter_class, params
