"""Keyset ("seek") pagination: the next page starts after the last row shown, found with an
index instead of counting past every earlier row as OFFSET does, so page 20,000 of a million
rows costs what page 1 costs. The cursor is opaque text carrying the last row's sort values.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet


class BadCursor(ValueError):
    """The cursor was not made by this pagination (edited or from another sort)."""


@dataclass(frozen=True)
class Ordering:
    """A sort: field paths (a leading "-" for descending), the primary key last as tiebreak.
    The fields must not be NULL (coalesce them in an annotation)."""

    fields: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.fields[-1].lstrip("-") != "pk":
            raise ValueError("the primary key must come last, to make the order total")

    @property
    def names(self) -> list[str]:
        return [name.lstrip("-") for name in self.fields]

    def after(self, values: list[Any]) -> Q:
        """Rows that come after a row with these sort values (lexicographic). The leading
        bound, redundant, lets the database start its index scan at the cursor."""
        condition = Q()
        for position in reversed(range(len(self.fields))):
            name = self.names[position]
            lookup = "lt" if self.fields[position].startswith("-") else "gt"
            step = Q(**{f"{name}__{lookup}": values[position]})
            condition = (
                step
                if position == len(self.fields) - 1
                else step | (Q(**{name: values[position]}) & condition)
            )
        first = "lte" if self.fields[0].startswith("-") else "gte"
        return Q(**{f"{self.names[0]}__{first}": values[0]}) & condition


@dataclass
class KeysetPage:
    """One page of rows, with the cursor of the next page (None on the last page)."""

    rows: list
    next_cursor: str | None
    first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def keyset_page(
    queryset: QuerySet, ordering: Ordering, *, cursor: str | None, size: int
) -> KeysetPage:
    """The ``size`` rows after ``cursor`` (from the start without one), in ``ordering``."""
    ordered = queryset.order_by(*(_order(name) for name in ordering.fields))
    if cursor:
        ordered = ordered.filter(ordering.after(_decode(cursor, len(ordering.fields))))
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    last = [_value(rows[-1], name) for name in ordering.names] if more else None
    return KeysetPage(rows, encode_cursor(last) if last else None, first=not cursor)


def _order(name: str):
    descending = name.startswith("-")
    expression = F(name.lstrip("-"))
    return expression.desc() if descending else expression.asc()


def _value(row: Any, path: str) -> Any:
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def encode_cursor(values: list[Any]) -> str:
    """The cursor of the page after a row with these sort values."""
    text = json.dumps(values, default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as error:
        raise BadCursor("This page link is not valid; start again from the first page.") from error
    if not isinstance(values, list) or len(values) != length:
        raise BadCursor("This page link is not valid; start again from the first page.")
    return values
