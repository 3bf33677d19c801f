"""Type and check every value of a parsed body, column by column (vectorized over rows).

The result is the typed rows that passed and, for each rejected row, its number (1 = first
record), field and a message. References by natural key are resolved to database ids here,
and each resource's rules across fields (its model's cross-field check constraints) are
checked here, so a breaking row is a row error instead of a refused statement.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone

from sop_platform.bulk.messages import echo_each
from sop_platform.bulk.parsing import pop_problems
from sop_platform.bulk.spec import Column, Reference, Resource

MAX_REPORTED_ERRORS = 1000
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_LOOKUP_CHUNK = 5_000


@dataclass
class RowError:
    """Why one row was rejected."""

    row: int
    field: str
    message: str


@dataclass
class Validated:
    """Typed values of the accepted rows (database columns) and the errors of the others:
    ``errors`` lists the first MAX_REPORTED_ERRORS of ``error_count``."""

    values: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rejected_rows: int = 0


def validate(resource: Resource, frame: pd.DataFrame) -> Validated:
    """Check every present field of every row, then the resource's rules across fields;
    reject a row on its first problem per field (cells the parser flagged included)."""
    rows = pd.RangeIndex(1, len(frame) + 1)
    frame, problems = pop_problems(frame.set_axis(rows))  # (failing-row mask, field, message)
    typed: dict[str, pd.Series] = {}
    for column in resource.columns:
        if not all(f in frame.columns for f in column.input_fields):
            continue
        values, column_problems = _typed(column, frame)
        typed[column.column] = values
        problems.extend(column_problems)
    problems.extend(_broken_rules(resource, typed))
    problems = _first_per_field([*problems, *_duplicate_keys(resource, frame)], len(frame))
    bad = np.zeros(len(frame), dtype=bool)
    for mask, _, _ in problems:
        bad |= mask
    values = pd.DataFrame(typed, index=rows)[~bad]
    errors, count = _errors(problems)
    return Validated(values=values, errors=errors, error_count=count, rejected_rows=int(bad.sum()))


def _first_per_field(problems: list, rows: int) -> list[tuple[np.ndarray, str, object]]:
    """Each row's first problem per field only (a value flagged by the parser is not also
    "required"); masks as boolean arrays."""
    seen: dict[str, np.ndarray] = {}
    first = []
    for mask, name, message in problems:
        earlier = seen.setdefault(name, np.zeros(rows, dtype=bool))
        mask = np.asarray(mask, dtype=bool) & ~earlier
        earlier |= mask
        first.append((mask, name, message))
    return first


def _broken_rules(resource: Resource, typed: dict[str, pd.Series]) -> list:
    """Rows breaking a rule across two fields (both typed and valid), vectorized."""
    problems = []
    for rule in resource.rules:
        left = typed.get(resource.column(rule.field).column)
        right = typed.get(resource.column(rule.other).column)
        if left is None or right is None:
            continue
        known = (left.notna() & right.notna()).to_numpy(dtype=bool)
        holds = rule.compare(left, right).fillna(False).to_numpy(dtype=bool)
        problems.append((known & ~holds, rule.field, rule.message))
    return problems


def _errors(problems: list) -> tuple[list[RowError], int]:
    """The first MAX_REPORTED_ERRORS errors by row, and how many there are in all."""
    found = []
    count = 0
    for mask, name, message in problems:
        failing = np.flatnonzero(np.asarray(mask, dtype=bool))
        count += failing.size
        texts = message if isinstance(message, str) else np.asarray(message)[failing]
        for position, row in enumerate(failing[:MAX_REPORTED_ERRORS]):
            text = texts if isinstance(texts, str) else str(texts[position])
            found.append(RowError(int(row) + 1, name, text))
    found.sort(key=lambda e: (e.row, e.field))
    return found[:MAX_REPORTED_ERRORS], count


def _typed(column: Column, frame: pd.DataFrame) -> tuple[pd.Series, list]:
    """Typed values of one column and its failing-row masks."""
    if column.reference:
        return _resolve(column.reference, frame, column.required)
    raw = frame[column.name].str.strip()
    empty = raw == ""
    problems = []
    if column.required:
        problems.append((empty, column.name, "is required"))
    values, invalid, message = _convert(column, raw)
    problems.append((invalid & ~empty, column.name, message))
    for mask, text in _range_checks(column, values):
        problems.append((mask & ~empty & ~invalid, column.name, text))
    if column.default is not None and not column.required:
        values = values.where(~empty, column.default)
    return values, problems


def _convert(column: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """(values, invalid mask, message) for the column's kind; empty text becomes None/NaN."""
    kind = column.kind
    if kind in ("number", "integer"):
        numbers = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        invalid = numbers.isna() | np.isinf(numbers)
        if kind == "integer":
            invalid |= numbers.notna() & ((numbers != np.round(numbers)) | (numbers.abs() > 2**53))
            return numbers.where(~invalid).astype("Int64"), invalid, "must be a whole number"
        return numbers, invalid, "must be a number"
    if kind == "date":
        dates = pd.to_datetime(raw.where(raw != ""), format="%Y-%m-%d", errors="coerce")
        return dates, dates.isna(), "must be a date written YYYY-MM-DD"
    if kind == "boolean":
        lowered = raw.str.lower()
        invalid = ~lowered.isin(_TRUE | _FALSE)
        return lowered.isin(_TRUE), invalid, "must be true or false"
    if kind == "choice":
        invalid = ~raw.isin(column.choices)
        return raw, invalid, f"must be one of {', '.join(column.choices)}"
    too_long = raw.str.len() > (column.max_length or 10**9)
    return raw, too_long, f"must be at most {column.max_length} characters"


def _range_checks(column: Column, values: pd.Series) -> list[tuple[pd.Series, str]]:
    checks = []
    if column.minimum is not None:
        checks.append((values < column.minimum, f"must be at least {column.minimum:g}"))
    if column.maximum is not None:
        checks.append((values > column.maximum, f"must be at most {column.maximum:,.0f}"))
    if column.positive:
        checks.append((values <= 0, "must be greater than 0"))
    if column.unit_interval:
        checks.append(((values <= 0) | (values >= 1), "must be between 0 and 1 (exclusive)"))
    if column.kind == "date":
        first, last = date_horizon()
        outside = (values < pd.Timestamp(first)) | (values > pd.Timestamp(last))
        checks.append((outside, f"must lie between {first} and {last}"))
    return checks


def date_horizon() -> tuple[date, date]:
    """Dates accepted in loads: BULK_DATE_PAST_YEARS back to BULK_DATE_FUTURE_YEARS ahead."""
    today = timezone.localdate()
    past = getattr(settings, "BULK_DATE_PAST_YEARS", 20)
    future = getattr(settings, "BULK_DATE_FUTURE_YEARS", 5)
    return today - timedelta(days=365 * past), today + timedelta(days=365 * future)


def _resolve(reference: Reference, frame: pd.DataFrame, required: bool):
    """Database ids for the natural keys in ``reference.fields``; unknown keys fail the row."""
    keys = frame[list(reference.fields)].apply(lambda s: s.str.strip())
    empty = (keys == "").any(axis=1)
    known = _known_ids(reference, keys[~empty].drop_duplicates())
    merged = keys.merge(known, how="left", on=list(reference.fields)).set_axis(frame.index)
    ids = merged["_id"]
    name = "/".join(reference.fields)
    missing = (ids.isna() & ~empty).to_numpy()
    lookup = "/".join(reference.model._meta.get_field(f).verbose_name for f in reference.lookups)
    unknown = np.full(len(keys), "", dtype=object)  # messages only for the rows that need one
    if missing.any():
        given = echo_each(keys[missing].astype(str).agg("/".join, axis=1)).to_numpy()
        unknown[missing] = f"no {reference.model._meta.verbose_name} with {lookup} " + given
    problems = [(missing, name, unknown)]
    if required:
        problems.append((empty, name, "is required"))
    return ids.astype("Int64"), problems


def _known_ids(reference: Reference, keys: pd.DataFrame) -> pd.DataFrame:
    """(key fields..., _id) of the referenced rows whose natural keys appear in ``keys``."""
    found = []
    first = reference.lookups[0]
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = keys.iloc[start : start + _LOOKUP_CHUNK]
        rows = reference.model.objects.filter(
            **{f"{first}__in": chunk[reference.fields[0]].unique().tolist()}
        ).values_list(*reference.lookups, "pk")
        found.extend(rows)
    known = pd.DataFrame(found, columns=[*reference.fields, "_id"])
    return known.astype(dict.fromkeys(reference.fields, str)).drop_duplicates(
        list(reference.fields)
    )


def _duplicate_keys(resource: Resource, frame: pd.DataFrame) -> list:
    """Rows repeating the natural key of an earlier row in the same body."""
    fields = [f for name in resource.key for f in resource.column(name).input_fields]
    if not all(f in frame.columns for f in fields):
        return []
    keys = frame[fields].apply(lambda s: s.str.strip())
    repeated = keys.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return []
    first_row = keys.reset_index().groupby(fields)["index"].transform("first").to_numpy()
    messages = np.char.add("repeats the key of row ", first_row.astype(str))
    return [(repeated, "/".join(fields), messages)]
