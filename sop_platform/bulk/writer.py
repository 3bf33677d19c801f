"""Bulk writers: COPY for PostgreSQL, chunked ``executemany`` for SQLite and other databases.

Shared by ``load_demo`` (``inventory/demo``) and ``load_csv --backfill`` (``bulk/backfill.py``).

Callers pass columns as numpy arrays (one value per row) or scalars (same value on every row),
keyed by database column name; each writer converts them for its database. Nothing here goes
through ``Model.save()`` or signals, so the caller writes history rows itself.
"""

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from sop_platform.bulk import pgbinary

Columns = Mapping[str, Any]
COPY_BLOCK_ROWS = 500_000
"""Rows encoded at a time: bounds the encoder's memory (about 100 bytes a row)."""
EXECUTEMANY_ROWS = 20_000
_PG_KINDS = {
    "BigAutoField": "int8",
    "BigIntegerField": "int8",
    "PositiveBigIntegerField": "int8",
    "AutoField": "int4",
    "IntegerField": "int4",
    "PositiveIntegerField": "int4",
    "SmallAutoField": "int2",
    "SmallIntegerField": "int2",
    "PositiveSmallIntegerField": "int2",
    "FloatField": "float8",
    "BooleanField": "bool",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "CharField": "text",
    "TextField": "text",
}


def row_count(columns: Columns) -> int:
    """Number of rows: the common length of the array columns."""
    lengths = {len(v) for v in columns.values() if isinstance(v, np.ndarray)}
    if len(lengths) != 1:
        raise ValueError(f"Columns need one common length, got {sorted(lengths)}.")
    return lengths.pop()


def _field_by_column(model: type[models.Model], column: str) -> models.Field:
    for candidate in model._meta.concrete_fields:
        if candidate.column == column:
            return candidate
    raise ValueError(f"{model._meta.label} has no column {column!r}.")


def _internal_type(model_field: models.Field) -> str:
    if model_field.is_relation:
        return model_field.target_field.get_internal_type()
    return model_field.get_internal_type()


_INTEGER_KINDS = {"int8", "int4", "int2"}


def _python_values(value: Any, count: int, kind: str | None) -> list | Iterator:
    """Plain Python values of a column: dates as ``date``, NaN as None, integers as ``int``."""
    if not isinstance(value, np.ndarray):
        return iter([value] * count)
    if value.dtype.kind == "f":
        missing = np.isnan(value)
        if kind in _INTEGER_KINDS:
            value = np.where(missing, 0, value).astype(np.int64)
        return np.where(missing, None, value.astype(object)).tolist()
    return value.tolist()


@dataclass
class DeferredIndexes:
    """(table, statement) pairs that rebuild what a bulk load dropped, in order."""

    statements: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # rebuild time per table


class BulkWriter:
    """Inserts rows in bulk through ``executemany`` in chunks (any Django database)."""

    def __init__(self, connection: BaseDatabaseWrapper):
        self.connection = connection

    def write(self, model: type[models.Model], columns: Columns) -> int:
        """Insert the rows given by ``columns``; returns how many."""
        count = row_count(columns)
        names = list(columns)
        table = self.connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(self.connection.ops.quote_name(n) for n in names)
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"
        with self.connection.cursor() as cursor:
            for start in range(0, count, EXECUTEMANY_ROWS):
                stop = min(count, start + EXECUTEMANY_ROWS)
                part = {n: self._adapt(model, n, v, start, stop) for n, v in columns.items()}
                cursor.executemany(sql, list(zip(*part.values(), strict=False)))
        return count

    def _adapt(
        self, model: type[models.Model], name: str, value: Any, start: int, stop: int
    ) -> list | Iterator:
        ops = self.connection.ops
        if isinstance(value, np.ndarray):
            value = value[start:stop]
            if value.dtype.kind == "M":
                return np.datetime_as_string(value.astype("datetime64[D]")).tolist()
            if value.dtype.kind == "b":
                return value.astype(int).tolist()
            kind = _PG_KINDS.get(_internal_type(_field_by_column(model, name)))
            return _python_values(value, stop - start, kind)
        kind = _internal_type(_field_by_column(model, name))
        if kind == "DateTimeField":
            value = ops.adapt_datetimefield_value(value)
        elif kind == "DateField":
            value = ops.adapt_datefield_value(value)
        return iter([value] * (stop - start))

    def next_id(self, model: type[models.Model]) -> int:
        """First free primary key (the tables are empty or were just flushed)."""
        table = self.connection.ops.quote_name(model._meta.db_table)
        column = self.connection.ops.quote_name(model._meta.pk.column)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}")
            return int(cursor.fetchone()[0])

    def flush(self, model_list: Iterable[type[models.Model]]) -> None:
        """Delete every row of these tables and of tables referencing them; restart ids."""
        tables = [m._meta.db_table for m in model_list]
        sql = self.connection.ops.sql_flush(
            no_style(), tables, reset_sequences=True, allow_cascade=True
        )
        with self.connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)

    def defer_indexes(
        self, model_list: Iterable[type[models.Model]], *, indexes: bool = True
    ) -> DeferredIndexes:
        """Drop index structures for the load (nothing to do for this database)."""
        return DeferredIndexes()

    def restore_indexes(self, deferred: DeferredIndexes) -> None:
        """Rebuild what ``defer_indexes`` dropped."""

    def finish(self, model_list: Iterable[type[models.Model]]) -> None:
        """Move sequences past the explicit ids and check deferred foreign keys now."""
        model_list = list(model_list)
        with self.connection.cursor() as cursor:
            for statement in self.connection.ops.sequence_reset_sql(no_style(), model_list):
                cursor.execute(statement)
        self.connection.check_constraints(table_names=[m._meta.db_table for m in model_list])

    def analyze(self, model_list: Iterable[type[models.Model]]) -> None:
        """Refresh planner statistics of the loaded tables, where the database needs it."""


_CONSTRAINTS_SQL = """
SELECT c.conname, c.contype, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'f')
  AND NOT (c.contype <> 'f' AND EXISTS (
      SELECT 1 FROM pg_constraint r
      WHERE r.contype = 'f' AND r.conrelid <> c.conrelid AND r.conindid = c.conindid))
"""
_INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = %s::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
INDEX_BUILD_MEMORY = "1GB"


def binary_kinds(model: type[models.Model], columns: Columns) -> list[str] | None:
    """The binary COPY kinds of ``columns``, or None when one has no binary encoding here (a
    decimal, or NaN in a float array: NULLs inside arrays are not encoded)."""
    kinds = [_PG_KINDS.get(_internal_type(_field_by_column(model, n))) for n in columns]
    has_nan = any(
        isinstance(v, np.ndarray) and v.dtype.kind == "f" and np.isnan(v).any()
        for v in columns.values()
    )
    return None if None in kinds or has_nan else kinds


def _write_tuples(copy: Any, columns: list[tuple[str, Any]], count: int) -> None:
    """Binary tuples of ``count`` rows, encoded a block at a time (bounded memory)."""
    for start in range(0, count, COPY_BLOCK_ROWS):
        stop = min(count, start + COPY_BLOCK_ROWS)
        block = [(k, v[start:stop] if isinstance(v, np.ndarray) else v) for k, v in columns]
        for buffer in pgbinary.encode(block, stop - start):
            copy.write(buffer)


class CopyStream:
    """One binary COPY into a model's table, kept open across ``write`` calls: PostgreSQL
    ingests a chunk while the caller prepares the next (psycopg's queued writer sends from a
    thread), instead of idling between one COPY per chunk. No other statement can run on the
    connection until ``close``; ``abort`` ends it with an error (the transaction fails)."""

    def __init__(self, connection: BaseDatabaseWrapper, model: type[models.Model]):
        self.connection, self.model = connection, model
        self.names: tuple[str, ...] = ()
        self._cursor: Any = None
        self._context: Any = None
        self._copy: Any = None

    def write(self, columns: Columns, kinds: list[str]) -> int:
        """Send the rows of ``columns`` (``kinds`` from :func:`binary_kinds`)."""
        if tuple(columns) != self.names:
            self.close()
            self._open(tuple(columns))
        count = row_count(columns)
        _write_tuples(self._copy, list(zip(kinds, columns.values(), strict=True)), count)
        return count

    def _open(self, names: tuple[str, ...]) -> None:
        from psycopg.copy import QueuedLibpqWriter  # only installed where PostgreSQL is used

        quote = self.connection.ops.quote_name
        sql = (
            f"COPY {quote(self.model._meta.db_table)} ({', '.join(map(quote, names))}) "
            "FROM STDIN (FORMAT BINARY)"
        )
        self._cursor = self.connection.cursor()
        raw = self._cursor.cursor
        self._context = raw.copy(sql, writer=QueuedLibpqWriter(raw))
        self._copy = self._context.__enter__()
        self._copy.write(pgbinary.HEADER)
        self.names = names

    def close(self) -> None:
        """End the COPY (waits until PostgreSQL has taken every row)."""
        if self._copy is not None:
            self._copy.write(pgbinary.TRAILER)
            self._end(None)

    def abort(self) -> None:
        """End the COPY with an error, when the load fails."""
        if self._copy is not None:
            self._end(RuntimeError("load aborted"))

    def _end(self, error: BaseException | None) -> None:
        context, cursor = self._context, self._cursor
        self._context = self._copy = self._cursor = None
        self.names = ()
        try:
            context.__exit__(type(error) if error else None, error, None)
        finally:
            cursor.close()


class PostgresCopyWriter(BulkWriter):
    """Streams rows with COPY through psycopg 3: binary tuples built by numpy when every column
    has a binary encoding (no decimals, no NULLs inside arrays), text rows otherwise."""

    def write(self, model: type[models.Model], columns: Columns) -> int:
        """COPY the rows given by ``columns`` into the model's table; returns how many."""
        from psycopg.copy import QueuedLibpqWriter  # only installed where PostgreSQL is used

        count = row_count(columns)
        kinds = [_PG_KINDS.get(_internal_type(_field_by_column(model, n))) for n in columns]
        binary = binary_kinds(model, columns) is not None
        table = self.connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(self.connection.ops.quote_name(n) for n in columns)
        sql = f"COPY {table} ({names}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
        with self.connection.cursor() as wrapper:
            raw = wrapper.cursor
            # The queued writer sends from a thread while numpy encodes the next block.
            with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                if binary:
                    self._write_binary(copy, list(zip(kinds, columns.values(), strict=True)), count)
                else:
                    values = [
                        _python_values(v, count, k)
                        for k, v in zip(kinds, columns.values(), strict=True)
                    ]
                    for row in zip(*values, strict=False):
                        copy.write_row(row)
        return count

    @staticmethod
    def _write_binary(copy: Any, columns: list[tuple[str, Any]], count: int) -> None:
        copy.write(pgbinary.HEADER)
        _write_tuples(copy, columns, count)
        copy.write(pgbinary.TRAILER)

    def _index_structures(self, cursor: Any, model: type[models.Model]) -> tuple[list, ...]:
        """(table, drop, create) of the model's keys, plain indexes and foreign keys."""
        quote, table = self.connection.ops.quote_name, model._meta.db_table
        keys, foreign = [], []
        cursor.execute(_CONSTRAINTS_SQL, [quote(table)])
        for name, kind, definition in cursor.fetchall():
            prefix = f"ALTER TABLE {quote(table)}"
            (foreign if kind == "f" else keys).append(
                (
                    table,
                    f"{prefix} DROP CONSTRAINT {quote(name)}",
                    f"{prefix} ADD CONSTRAINT {quote(name)} {definition}",
                )
            )
        cursor.execute(_INDEXES_SQL, [quote(table)])
        plain = [(table, f"DROP INDEX {name}", create) for name, create in cursor.fetchall()]
        return keys, plain, foreign

    def defer_indexes(
        self, model_list: Iterable[type[models.Model]], *, indexes: bool = True
    ) -> DeferredIndexes:
        """Drop foreign keys, unique and primary keys (unless referenced) and plain indexes.

        ``indexes=False`` keeps every index, primary and unique key (an upsert's ``ON CONFLICT``
        needs the natural key; adding rows to a large table, maintaining its indexes costs less
        than rebuilding them over the whole table) and drops only the foreign keys.

        Loading first and building each index once, sorted, is several times faster than
        maintaining them row by row, and checking a foreign key once for the whole table
        avoids one deferred trigger per row (see docs/benchmarks.md). The rebuild statements
        come from the catalog (``pg_get_constraintdef`` / ``pg_get_indexdef``), so they restore
        exactly what the migrations created; all of it runs in the load's transaction, so a
        failure rolls the drops back too. Check constraints stay in place.
        """
        dropped_keys, plain, foreign = [], [], []
        with self.connection.cursor() as cursor:
            for model in model_list:
                model_keys, model_plain, model_foreign = self._index_structures(cursor, model)
                dropped_keys = dropped_keys + (model_keys if indexes else [])
                plain, foreign = plain + (model_plain if indexes else []), foreign + model_foreign
            for _, drop, _ in foreign + dropped_keys + plain:
                cursor.execute(drop)
        return DeferredIndexes(
            [(table, create) for table, _, create in dropped_keys + plain + foreign]
        )

    def restore_indexes(self, deferred: DeferredIndexes) -> None:
        """Rebuild keys and indexes, then re-validate foreign keys; time it per table."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
            for table, statement in deferred.statements:
                start = time.perf_counter()
                cursor.execute(statement)
                spent = time.perf_counter() - start
                deferred.seconds[table] = deferred.seconds.get(table, 0.0) + spent

    def analyze(self, model_list: Iterable[type[models.Model]]) -> None:
        """ANALYZE the loaded tables so the planner knows their new sizes right away."""
        tables = ", ".join(self.connection.ops.quote_name(m._meta.db_table) for m in model_list)
        with self.connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")


def bulk_writer(connection: BaseDatabaseWrapper) -> BulkWriter:
    """The fastest writer this database supports."""
    if connection.vendor == "postgresql":
        return PostgresCopyWriter(connection)
    return BulkWriter(connection)
