"""``BackfillSink``: write a large history into a fact table with its indexes and foreign keys
rebuilt once at the end instead of maintained row by row (``load_csv --backfill``).

PostgreSQL only; runs inside the load's transaction, so a failure or a rejected row rolls the
drops back with the rows. The table is locked (ACCESS EXCLUSIVE) for the whole load. Rows are
validated as on every other path (natural keys resolved to ids, types and ranges checked).

- **Empty table**: primary key, natural key, plain indexes and foreign keys are dropped, the
  chunks are copied straight into the table through one binary COPY kept open across them
  (``writer.CopyStream``; ids numbered from the key's sequence), then everything is rebuilt
  and the foreign keys re-validated over the whole table before commit. Every row is created.
- **Table already holding rows**: only the foreign keys are dropped; the primary key, the
  natural key (the upsert needs it, and it keeps an existing row from being duplicated) and the
  plain indexes stay, because rebuilding them would cost a pass over the whole table for a
  fraction of new rows. Each chunk is upserted exactly as by the bulk API, in natural-key order
  (new keys created, changed rows updated, equal rows left alone), then the foreign keys are
  re-validated over the table. Dropping them avoids one deferred trigger per row and key.
"""

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from sop_platform.bulk.spec import Resource
from sop_platform.bulk.stream import UpsertSink
from sop_platform.bulk.upsert import UpsertCounts
from sop_platform.bulk.writer import (
    CopyStream,
    DeferredIndexes,
    PostgresCopyWriter,
    binary_kinds,
)

BACKFILL_RESOURCES = ("demand-history", "forecasts")
"""The large fact tables a backfill is meant for."""
_SEQUENCE = "pg_get_serial_sequence(%s, %s)"


class BackfillUnavailable(Exception):
    """A backfill was asked where it cannot run (not PostgreSQL, or not a fact table)."""


def backfill_check(resource: Resource) -> None:
    """Raise :class:`BackfillUnavailable` unless ``resource`` can be backfilled here."""
    if connection.vendor != "postgresql":
        raise BackfillUnavailable(
            f"--backfill needs PostgreSQL (this database is {connection.vendor}); load without it."
        )
    if resource.name not in BACKFILL_RESOURCES:
        raise BackfillUnavailable(
            f"--backfill is for {' and '.join(BACKFILL_RESOURCES)}, not {resource.name}."
        )


class BackfillSink(UpsertSink):
    """Writes a backfill; see the module docstring. ``empty`` is known after ``open``."""

    def __init__(self, resource: Resource, source: str):
        super().__init__(resource, source)
        self.writer = PostgresCopyWriter(connection)
        self.model = resource.model
        self.empty = False
        self.deferred = DeferredIndexes()
        self.now = timezone.now()
        self.stream = CopyStream(connection, self.model)
        self.next_id: int | None = None  # the next id to give; 0 when the key has no sequence

    def open(self) -> None:
        """Lock the table, see whether it is empty, drop what the load rebuilds."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")
            self.empty = bool(cursor.fetchone()[0])
        self.deferred = self.writer.defer_indexes([self.model], indexes=self.empty)

    def write(self, values: pd.DataFrame) -> UpsertCounts:
        """COPY the chunk into an empty table; upsert it into one that held rows."""
        if not self.empty:
            return super().write(values)
        columns = self._columns(values)
        ids = self._ids(len(values))
        if ids is not None:
            columns = {self.model._meta.pk.column: ids, **columns}
        kinds = binary_kinds(self.model, columns)
        if kinds is None:  # no binary encoding (not for these tables): a COPY of its own
            self.pause()
            count = self.writer.write(self.model, columns)
        else:
            count = self.stream.write(columns, kinds)
        return UpsertCounts(created=count, updated=0, unchanged=0)

    def _ids(self, count: int) -> np.ndarray | None:
        """Ids for ``count`` new rows, numbered on from the primary key's sequence (None when
        the key has none): COPY then skips the column default, one ``nextval`` a row, about a
        third of its time. The table is locked, so no other session takes ids meanwhile;
        ``pause`` moves the sequence past the ids given (no query can run during the COPY)."""
        if self.next_id is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT nextval({_SEQUENCE})", self._sequence_args())
                self.next_id = cursor.fetchone()[0] or 0
        if not self.next_id:
            return None
        ids = np.arange(self.next_id, self.next_id + count, dtype=np.int64)
        self.next_id += count
        return ids

    def _sequence_args(self) -> list[str]:
        return [connection.ops.quote_name(self.model._meta.db_table), self.model._meta.pk.column]

    def pause(self) -> None:
        """End the open COPY, so the connection can run other statements, and move the key's
        sequence past the ids given."""
        self.stream.close()
        if self.next_id:
            with connection.cursor() as cursor:
                sql = f"SELECT setval({_SEQUENCE}, %s)"
                cursor.execute(sql, [*self._sequence_args(), self.next_id - 1])

    def abort(self) -> None:
        """End the open COPY with an error (the load failed; its transaction rolls back)."""
        self.stream.abort()

    def finish(self) -> None:
        """End the COPY, rebuild keys and indexes, re-validate the foreign keys, refresh
        statistics."""
        self.pause()
        self.writer.restore_indexes(self.deferred)
        self.writer.analyze([self.model])

    def _columns(self, values: pd.DataFrame) -> dict:
        """COPY columns: the validated values, defaults of absent fields, provenance."""
        columns: dict = {name: _array(values[name]) for name in values.columns}
        for column in self.resource.columns:
            if column.column not in columns and column.default is not None:
                columns[column.column] = column.default
        return {**columns, "source": self.source, "loaded_at": self.now, "updated_at": self.now}


def _array(series: pd.Series) -> np.ndarray:
    """A numpy array the binary COPY encoder takes: ids as int64 (float with NaN when one is
    missing), dates as days, text as Python strings."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.to_numpy().astype("datetime64[D]")
    if pd.api.types.is_integer_dtype(series):
        if series.hasnans:
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        return series.to_numpy(dtype=np.int64)
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_float_dtype(series):
        return series.to_numpy()
    return series.to_numpy(dtype=object)
