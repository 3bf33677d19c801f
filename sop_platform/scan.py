"""Read tens of millions of rows of one table into numpy arrays, fast on PostgreSQL.

``sop_platform.arrays.query_columns`` streams rows with COPY, which libpq hands to Python one
row at a time (about a microsecond each: 100 seconds for 100 million rows). Here PostgreSQL
gathers each column of a chunk of rows into one array (``array_agg``) and sends it in binary
(``array_send``), which numpy reads in one call; the table is cut into chunks of pages (TID
range scans, so the chunks together read the table once), and outside a transaction several
connections read chunks at once (PostgreSQL works on every core). Other databases get the
rows through ``query_columns``, in one chunk.
"""

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import psycopg
from django.db import connection, connections
from django.db.models import QuerySet

from sop_platform.arrays import query_columns

ROWS_PER_CHUNK = 1_000_000
"""About this many rows per chunk: arrays of 12 MB a column, which the C allocator reuses
(larger ones are mapped afresh each time: at 4M rows a chunk the process spent 3 times as
long in the kernel, faulting pages in); PostgreSQL caps an array at 1 GB."""
READERS = 4
"""Connections reading chunks at once: on 2 cores, 4 beat 2 (the positions of 1M
SKU-locations x 104 weeks, 104M rows: 47 s against 55-65 s), their waits for the disk
overlapping."""
EPOCH = date(1970, 1, 1)
_SQL_KINDS = {"int": "int8", "float": "float8"}
_ELEMENTS = {20: ">i8", 701: ">f8", 23: ">i4"}  # int8, float8, int4 (dates as epoch days)


def scan_columns(
    queryset: QuerySet,
    columns: dict[str, str],
    *,
    sparse: Mapping[str, Sequence[str]] | None = None,
    rows_per_chunk: int = ROWS_PER_CHUNK,
) -> Iterator[dict[str, np.ndarray]]:
    """``{name: kind}`` of ``queryset`` (fields or annotations of one table's rows; joins must
    not repeat rows) as successive chunks ``{name: array}``, in no particular order.

    Kinds: ``int`` (no NULL), ``float`` (NULL as NaN) and ``date`` (no NULL; datetime64[D]).
    ``sparse`` ``{column: [other, ...]}`` sends a mostly-zero float column only where it is
    not 0, as ``column`` with ``other@column`` for each other column on those rows (a key).
    Chunks arrive as they are read: the caller can reduce one while the next is read.
    """
    queryset, sparse = queryset.order_by(), dict(sparse or {})
    if connection.vendor != "postgresql":
        yield _sparse_in_numpy(query_columns(queryset, columns), sparse)
        return
    bounds = _page_chunks(queryset, rows_per_chunk)
    if connection.in_atomic_block or len(bounds) < 2:
        # Other connections would not see the caller's uncommitted rows: read on this one.
        for bound in bounds:
            yield _chunk(queryset, columns, sparse, bound)
        return
    with ThreadPoolExecutor(READERS) as pool:
        yield from pool.map(lambda bound: _in_thread(queryset, columns, sparse, bound), bounds)


def _sparse_in_numpy(rows: dict[str, np.ndarray], sparse: dict) -> dict[str, np.ndarray]:
    for column, others in sparse.items():
        kept = np.flatnonzero(rows[column] != 0)
        for other in others:
            rows[f"{other}@{column}"] = rows[other][kept]
        rows[column] = rows[column][kept]
    return rows


def _page_chunks(queryset: QuerySet, rows_per_chunk: int) -> list[tuple[int, int]]:
    """[first, last) page ranges of the queryset's table, about ``rows_per_chunk`` rows each
    by the table's statistics (at most 300 rows a page, the densest possible, without)."""
    table = queryset.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(c.oid) / current_setting('block_size')::int, c.reltuples,"
            " c.relpages FROM pg_class c WHERE c.oid = %s::regclass",
            [connection.ops.quote_name(table)],
        )
        pages, tuples, counted_pages = cursor.fetchone()
    density = tuples / counted_pages if tuples > 0 and counted_pages > 0 else 300.0
    step = max(1, int(rows_per_chunk / max(density, 1.0)))
    return [(start, start + step) for start in range(0, max(pages, 1), step)]


def _in_thread(queryset: QuerySet, columns: dict, sparse: dict, bound: tuple[int, int]) -> dict:
    try:
        return _chunk(queryset, columns, sparse, bound)
    finally:
        connections.close_all()  # this thread's own connections


def aggregated_columns(queryset: QuerySet, columns: dict[str, str]) -> dict[str, np.ndarray]:
    """``{name: kind}`` of all of ``queryset``'s rows (kinds as :func:`scan_columns`), one
    array per column in one query: a batch's rows, found by an index (no table scan), sent
    as binary arrays instead of one row at a time. Other databases: ``query_columns``."""
    if connection.vendor != "postgresql":
        return query_columns(queryset.order_by(), columns)
    return _aggregated(queryset.order_by(), columns, {})


def _chunk(queryset: QuerySet, columns: dict, sparse: dict, bound: tuple[int, int]) -> dict:
    """The rows of one page range, one array per column (one query)."""
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    pages = queryset.extra(
        where=[f"{table}.ctid >= %s::tid AND {table}.ctid < %s::tid"],
        params=[f"({bound[0]},0)", f"({bound[1]},0)"],
    )
    return _aggregated(pages, columns, sparse)


def _aggregated(queryset: QuerySet, columns: dict, sparse: dict) -> dict:
    """``queryset``'s rows gathered into one binary array per column by PostgreSQL."""
    names = list(columns)
    sql, params = queryset.values_list(*names).query.sql_with_params()
    alias = {name: f"c{i}" for i, name in enumerate(names)}
    outputs = [(name, name, "") for name in names if name not in sparse]
    for column, others in sparse.items():
        where = f" FILTER (WHERE {alias[column]} <> 0)"
        outputs += [(column, column, where)] + [(f"{o}@{column}", o, where) for o in others]
    arrays = ", ".join(
        f"array_send(array_agg({_element(alias[source], columns[source])}){where})"
        for _, source, where in outputs
    )
    query = f"SELECT {arrays} FROM ({sql}) AS q({', '.join(alias.values())})"
    database = connections[queryset.db]
    database.ensure_connection()
    # Django's cursors bind parameters client-side, which cannot return binary results.
    with database.wrap_database_errors, psycopg.Cursor(database.connection) as cursor:
        row = cursor.execute(query, params, binary=True).fetchone()
    return {
        name: _parsed(value, columns[source])
        for (name, source, _), value in zip(outputs, row, strict=True)
    }


def _element(alias: str, kind: str) -> str:
    if kind == "date":
        return f"({alias} - DATE '{EPOCH}')"
    if kind == "float":
        return f"COALESCE({alias}::float8, 'NaN')"
    return f"{alias}::{_SQL_KINDS[kind]}"


def _parsed(value: bytes | None, kind: str) -> np.ndarray:
    """A one-dimensional array without NULLs in PostgreSQL's binary format, as numpy."""
    dtype = {"int": np.int64, "float": np.float64, "date": "datetime64[D]"}[kind]
    if value is None:  # no rows: array_agg gives NULL
        return np.zeros(0, dtype=dtype)
    header = np.frombuffer(value, dtype=">i4", count=5)
    dimensions, has_nulls, element = int(header[0]), int(header[1]), int(header[2])
    if dimensions != 1 or has_nulls:
        raise ValueError("scan_columns reads one-dimensional arrays without NULLs.")
    count = int(header[3])
    pairs = np.frombuffer(
        value, dtype=[("length", ">i4"), ("value", _ELEMENTS[element])], count=count, offset=20
    )
    values = pairs["value"]
    if kind == "date":
        return values.astype(np.int64).astype("datetime64[D]")
    return values.astype(dtype)
