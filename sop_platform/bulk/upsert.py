"""Set-based upsert of validated rows by natural key, counting created, updated and unchanged.

Rows go to a temporary staging table (COPY on PostgreSQL, executemany elsewhere), then one
INSERT … ON CONFLICT … DO UPDATE statement merges them. A row whose values all equal the
stored ones is left untouched (its ``updated_at`` too), so loading the same file twice
changes nothing. Nothing here calls ``Model.save()``.

The merge takes the rows in natural-key order, so every load locks the keys it shares with a
concurrent one in the same order: the later load waits for the earlier instead of the two
deadlocking (which rows arrive in opposite order would do).
"""

import io
import uuid
from dataclasses import dataclass

import pandas as pd
from django.db import connection
from django.utils import timezone

from sop_platform.bulk.spec import Resource

_TEXT_KINDS = ("text", "choice")


@dataclass(frozen=True)
class UpsertCounts:
    """What a load did to the table."""

    created: int
    updated: int
    unchanged: int


def upsert(resource: Resource, values: pd.DataFrame, *, source: str) -> UpsertCounts:
    """Insert new natural keys, update changed rows, leave equal rows alone."""
    if values.empty:
        return UpsertCounts(0, 0, 0)
    values = values.assign(source=source)
    table = resource.model._meta.db_table
    stage = f"bulk_stage_{uuid.uuid4().hex[:12]}"
    quote = connection.ops.quote_name
    columns = list(values.columns)
    # Runs inside the caller's transaction: a failure rolls the staging table back with it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {stage} AS SELECT {', '.join(map(quote, columns))} "
            f"FROM {quote(table)} WHERE 1 = 0"
        )
        _fill_stage(cursor, stage, values, _text_columns(resource, columns))
        created, updated = _merge(cursor, resource, stage, columns)
        cursor.execute(f"DROP TABLE {stage}")
    return UpsertCounts(created, updated, len(values) - created - updated)


def _text_columns(resource: Resource, columns: list[str]) -> list[str]:
    kinds = {c.column: c.kind for c in resource.columns}
    return [c for c in columns if kinds.get(c, "text") in _TEXT_KINDS]


def _fill_stage(cursor, stage: str, values: pd.DataFrame, text_columns: list[str]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(map(quote, values.columns))
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        values.to_csv(buffer, header=False, index=False, date_format="%Y-%m-%d")
        # Empty text stays '' (CSV COPY would read an unquoted empty field as NULL).
        keep = f", FORCE_NOT_NULL ({', '.join(map(quote, text_columns))})" if text_columns else ""
        sql = f"COPY {stage} ({names}) FROM STDIN WITH (FORMAT csv{keep})"
        # The raw psycopg cursor: wrap its errors as Django's, like every other statement.
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            copy.write(buffer.getvalue())
        cursor.execute(f"ANALYZE {stage}")
        return
    rows = _python_rows(values)
    marks = ", ".join(["%s"] * len(values.columns))
    cursor.executemany(f"INSERT INTO {stage} ({names}) VALUES ({marks})", rows)


def _python_rows(values: pd.DataFrame) -> list[tuple]:
    """Plain Python tuples: dates as ISO text, missing values as None."""
    converted = values.copy()
    for name in converted.columns:
        if pd.api.types.is_datetime64_any_dtype(converted[name]):
            converted[name] = converted[name].dt.strftime("%Y-%m-%d")
    converted = converted.astype(object).where(converted.notna(), None)
    return list(converted.itertuples(index=False, name=None))


def _merge(cursor, resource: Resource, stage: str, columns: list[str]) -> tuple[int, int]:
    """Run the upsert; returns (created, updated)."""
    quote = connection.ops.quote_name
    table = quote(resource.model._meta.db_table)
    keys = list(resource.key_columns)
    data = [c for c in columns if c not in keys]
    names = ", ".join(map(quote, columns))
    # Fields absent from the body keep their stored values; new rows get the defaults.
    absent = [
        (c.column, c.default)
        for c in resource.columns
        if c.column not in columns and c.default is not None
    ]
    inserted = ", ".join(map(quote, [*columns, *(name for name, _ in absent)]))
    changed = " OR ".join(_distinct(f"{table}.{quote(c)}", f"excluded.{quote(c)}") for c in data)
    assignments = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in [*data, "updated_at"])
    now = timezone.now()
    params = [*(default for _, default in absent), now, now]
    key_list = ", ".join(map(quote, keys))
    statement = (
        f"INSERT INTO {table} ({inserted}, loaded_at, updated_at) "
        f"SELECT {names}{', %s' * len(absent)}, %s, %s FROM {stage} WHERE true "
        f"ORDER BY {key_list} "
        f"ON CONFLICT ({key_list}) DO UPDATE SET {assignments} WHERE {changed}"
    )
    if connection.vendor == "postgresql":
        cursor.execute(
            f"WITH merged AS ({statement} RETURNING (xmax = 0) AS created) "
            "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) "
            "FROM merged",
            params,
        )
        created, updated = cursor.fetchone()
        return int(created), int(updated)
    created, updated = _count_changes(cursor, table, stage, keys, data)
    cursor.execute(statement, params)
    return created, updated


def _count_changes(cursor, table: str, stage: str, keys: list[str], data: list[str]):
    """(rows with a new natural key, rows whose stored values differ) before the merge."""
    quote = connection.ops.quote_name
    joined = " AND ".join(f"{table}.{quote(k)} = s.{quote(k)}" for k in keys)
    differs = " OR ".join(_distinct(f"{table}.{quote(c)}", f"s.{quote(c)}") for c in data)
    cursor.execute(
        f"SELECT count(*) FROM {stage} s WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {joined})"
    )
    created = cursor.fetchone()[0]
    cursor.execute(f"SELECT count(*) FROM {stage} s JOIN {table} ON {joined} WHERE {differs}")
    return int(created), int(cursor.fetchone()[0])


def _distinct(left: str, right: str) -> str:
    """Null-safe inequality in the connection's SQL dialect."""
    operator = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return f"{left} {operator} {right}"
