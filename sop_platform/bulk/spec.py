"""How a loadable resource maps its CSV/JSON fields onto a model, declared once per resource."""

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import models


@dataclass(frozen=True)
class Reference:
    """A foreign key given by the referenced row's natural key, e.g. an item by its SKU.

    ``fields`` are the input fields holding the key, ``lookups`` the referenced model's fields
    they match, in the same order.
    """

    model: type[models.Model]
    fields: tuple[str, ...]
    lookups: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """One input field. ``kind``: text, number, integer, date, boolean, choice or reference.

    ``minimum`` / ``maximum`` / ``positive`` / ``unit_interval`` mirror the model's check
    constraints and column ranges, so a bad value is reported on its row instead of failing
    the whole statement.
    """

    name: str
    kind: str = "text"
    required: bool = False
    db_column: str | None = None
    default: Any = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    unit_interval: bool = False
    choices: tuple[str, ...] = ()
    reference: Reference | None = None

    @property
    def column(self) -> str:
        """Database column written from this field."""
        return self.db_column or self.name

    @property
    def input_fields(self) -> tuple[str, ...]:
        """The body's fields this column reads: a reference's key fields, or its own name."""
        return self.reference.fields if self.reference else (self.name,)


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


@dataclass(frozen=True)
class RowRule:
    """A rule between two fields of one row: ``field <operator> other`` must hold.

    Mirrors the model's cross-field ``CheckConstraint`` named in ``constraint``, so a row
    breaking it is reported (``message``, on ``field``) before anything is written, and a
    partial load keeps the other rows. ``operator``: ne, lt, le, gt or ge.
    """

    field: str
    operator: str
    other: str
    message: str
    constraint: str

    def compare(self, values: pd.Series, others: pd.Series) -> pd.Series:
        """Where the rule holds, row by row (NA where a value is missing)."""
        return _COMPARISONS[self.operator](values, others)


@dataclass(frozen=True)
class Resource:
    """A loadable resource: its URL name, model, natural key and input columns."""

    name: str
    model: type[models.Model]
    key: tuple[str, ...]  # input field names forming the natural key
    columns: tuple[Column, ...]
    description: str = ""
    after_load: tuple[str, ...] = field(default=())  # dotted paths of services to call
    rules: tuple[RowRule, ...] = ()  # checked across the fields of each row

    def column(self, name: str) -> Column:
        """The column of an input field name."""
        return next(c for c in self.columns if c.name == name)

    @property
    def input_fields(self) -> frozenset[str]:
        """Every field a body may carry."""
        return frozenset(f for c in self.columns for f in c.input_fields)

    @property
    def required_fields(self) -> frozenset[str]:
        """Fields every record must carry."""
        return frozenset(f for c in self.columns if c.required for f in c.input_fields)

    @property
    def boolean_fields(self) -> frozenset[str]:
        """Input fields that take true/false (JSON booleans anywhere else are row errors)."""
        return frozenset(f for c in self.columns if c.kind == "boolean" for f in c.input_fields)

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Database columns of the natural key (reference fields become their ``_id``)."""
        return tuple(self.column(name).column for name in self.key)


SMALL_INT_MAX = 32_767
INT_MAX = 2_147_483_647
MONEY_MAX = 9_999_999_999.9999  # DecimalField(max_digits=14, decimal_places=4)
