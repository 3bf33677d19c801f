"""``stream_load``: load a file of any size chunk by chunk, with the bulk API's rules.

Each chunk of a CSV file (``chunks.py``) is read in a background thread by the fast path
(``fastpath.py``: pyarrow, each field checked once per distinct value by validation's own
checks) or, when that path cannot vouch for it, parsed and validated exactly like an API body
(``parsing.parse_body``, ``validation.validate``, which name the errors), and written through a
sink (the bulk upsert, or ``backfill.BackfillSink``). Everything runs in one transaction: one
rejected row anywhere rejects the load and nothing is written unless ``partial``; a dry run
rolls back. Row numbers in errors count across the whole file. A key repeated in a later chunk
is found by hashing the keys of the rows before it (16 bytes a row; a 64-bit hash collision,
about one in 400,000 for 10M rows, would reject a row as a repeat: the load fails, it never
writes a duplicate).
"""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from pandas._libs import hashtable

from sop_platform.bulk.chunks import RawChunk, csv_chunks, prefetched
from sop_platform.bulk.fastpath import FastChunk, KnownIds, encode_text, key_hashes, read_fast
from sop_platform.bulk.fastpath import validated as fast_validated
from sop_platform.bulk.parsing import BulkInputError, parse_body
from sop_platform.bulk.progress import ProgressBar
from sop_platform.bulk.service import LoadReport, after_load_run
from sop_platform.bulk.spec import Resource
from sop_platform.bulk.upsert import UpsertCounts, upsert
from sop_platform.bulk.validation import MAX_REPORTED_ERRORS, RowError, Validated, validate

DEFAULT_CHUNK_ROWS = 250_000
_REPEAT = re.compile(r"^repeats the key of row (\d+)$")


def chunk_rows() -> int:
    """Records per chunk (setting BULK_STREAM_CHUNK_ROWS): bounds the memory of a load."""
    return getattr(settings, "BULK_STREAM_CHUNK_ROWS", DEFAULT_CHUNK_ROWS)


class Sink(Protocol):
    """Where validated rows go, inside the load's transaction."""

    def open(self) -> None:
        """Prepare the table (called first)."""

    def write(self, values: pd.DataFrame) -> UpsertCounts:
        """Write one chunk's valid rows."""

    def finish(self) -> None:
        """Complete the writes before commit (not called when the load rolls back)."""

    def pause(self) -> None:
        """End any statement left running (a COPY), before other queries or a rollback."""

    def abort(self) -> None:
        """End any statement left running with an error: the load failed."""


class UpsertSink:
    """The bulk API's write: upsert each chunk by natural key (``upsert.py``)."""

    def __init__(self, resource: Resource, source: str):
        self.resource, self.source = resource, source

    def open(self) -> None:
        """Nothing to prepare."""

    def write(self, values: pd.DataFrame) -> UpsertCounts:
        """Upsert the chunk's rows in natural-key order: the merge then walks the natural-key
        index once, in order, instead of jumping around a large table's index."""
        keys = [k for k in self.resource.key_columns if k in values.columns]
        return upsert(self.resource, values.sort_values(keys), source=self.source)

    def finish(self) -> None:
        """Nothing to complete."""

    def pause(self) -> None:
        """Nothing runs between writes."""

    def abort(self) -> None:
        """Nothing runs between writes."""


@dataclass
class StreamResult:
    """The load's report, and how it went: chunks read, bytes, seconds (in all and per stage:
    waiting for parsed chunks, validating, writing, completing)."""

    report: LoadReport
    chunks: int = 0
    bytes: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time of the ``with`` block to ``stage``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            self.stages[stage] = self.stages.get(stage, 0.0) + spent


@dataclass(frozen=True)
class _Parsed:
    """One chunk as the prefetch thread leaves it: read by the fast path (``fast``) or parsed
    for the slow one (``frame``, or the parse ``error``); its rows, and the rows repeating a
    key of an earlier chunk (``hit``) with that earlier row (``first``)."""

    chunk: RawChunk
    frame: pd.DataFrame | None
    error: BulkInputError | None
    fast: FastChunk | None = None
    rows: int = 0
    hit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    first: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


class SeenKeys:
    """Hashes of the natural keys of the rows read so far, each with the row it was first seen
    in, in one hash table (pandas' own ``Int64HashTable``, the one its joins use): a chunk is
    looked up and remembered in time linear in its rows, whatever the rows read before it.
    About 27 bytes a key."""

    def __init__(self):
        self.table = hashtable.Int64HashTable()

    def repeats(self, hashes: np.ndarray | None, offset: int) -> tuple[np.ndarray, np.ndarray]:
        """(mask of this chunk's rows whose key hash an earlier chunk had, that earlier row),
        and remember this chunk's keys. ``hashes`` are the chunk's key hashes
        (``fastpath.key_hashes``; None when the key fields are not all there), ``offset`` the
        number of rows before the chunk."""
        if hashes is None or not len(hashes):
            return np.zeros(0, dtype=bool), np.empty(0, dtype=np.int64)
        keys = np.ascontiguousarray(hashes).view(np.int64)
        earlier = self.table.lookup(keys)  # rows are numbered from 1; -1 where never seen
        hit = earlier >= 0
        unseen = np.flatnonzero(~hit)
        fresh = unseen[~pd.Series(keys[unseen]).duplicated().to_numpy()]  # kept: the first
        self.table.map_keys_to_values(keys[fresh], fresh + offset + 1)
        return hit, earlier[hit]


def _relocated_error(error: BulkInputError, chunk: RawChunk, rows: int, lines: int):
    """A chunk's parse error with its row, line and byte numbers counted in the whole file;
    ``rows`` and ``lines`` are the records and newlines of the chunks before it."""
    header = chunk.body.index(b"\n") + 1 if b"\n" in chunk.body else len(chunk.body)
    start = chunk.end - (len(chunk.body) - header)  # file offset of the first record

    def position(match: re.Match) -> str:
        at = int(match[1])
        return f"position {at - header + start if at >= header else at}"

    text = re.sub(r"\bRow (\d+)", lambda m: f"Row {int(m[1]) + rows}", str(error))
    text = re.sub(r"\bline (\d+)", lambda m: f"line {int(m[1]) + lines}", text)
    text = re.sub(r"\bposition (\d+)", position, text)
    return BulkInputError(text, error.status)


def _relocated_checks(checked: Validated, offset: int) -> Validated:
    """Validation of one chunk with its row numbers counted in the whole file."""

    def moved(error: RowError) -> RowError:
        match = _REPEAT.match(error.message)
        message = f"repeats the key of row {int(match[1]) + offset}" if match else error.message
        return RowError(error.row + offset, error.field, message)

    values = checked.values.set_axis(checked.values.index + offset)
    return replace(checked, values=values, errors=[moved(e) for e in checked.errors])


def _with_repeats(checked: Validated, hit: np.ndarray, first: np.ndarray, offset: int, field: str):
    """Reject the rows repeating a key of an earlier chunk, as the one-shot load would."""
    if not hit.any():
        return checked
    rows = np.flatnonzero(hit) + offset + 1
    accepted = checked.values.index.isin(rows)
    errors = [
        RowError(int(row), field, f"repeats the key of row {int(earlier)}")
        for row, earlier in zip(rows[:MAX_REPORTED_ERRORS], first, strict=False)
    ]
    return replace(
        checked,
        values=checked.values[~accepted],
        errors=sorted([*checked.errors, *errors], key=lambda e: (e.row, e.field)),
        error_count=checked.error_count + len(rows),
        rejected_rows=checked.rejected_rows + int(accepted.sum()),
    )


def _add(report: LoadReport, checked: Validated, rows: int) -> None:
    report.rows += rows
    report.rejected += checked.rejected_rows
    report.error_count += checked.error_count
    room = MAX_REPORTED_ERRORS - len(report.errors)
    report.errors.extend(checked.errors[: max(room, 0)])


def _count(report: LoadReport, counts: UpsertCounts) -> None:
    report.created += counts.created
    report.updated += counts.updated
    report.unchanged += counts.unchanged


class _Reader:
    """Reads the chunks in the prefetch thread (no database access): the fast path first,
    ``parse_body`` when it cannot vouch for a chunk; finds keys repeated across chunks."""

    def __init__(self, resource: Resource, path: Path):
        self.resource = resource
        self.fields, self.required = resource.input_fields, resource.required_fields
        self.key = [f for name in resource.key for f in resource.column(name).input_fields]
        self.json = path.suffix.lower() == ".json"
        self.seen = SeenKeys()
        self.rows = 0

    def parse(self, body: bytes) -> pd.DataFrame:
        """The chunk as an API body (raises :class:`BulkInputError`)."""
        kind = "application/json" if self.json else "text/csv"
        return parse_body(
            body, kind, self.fields, self.required, boolean_fields=self.resource.boolean_fields
        )

    def read(self, chunk: RawChunk) -> _Parsed:
        """The chunk read, with its keys checked against the earlier chunks'."""
        fast = None if self.json else read_fast(self.resource, chunk.body)
        if fast is not None:
            parsed = _Parsed(chunk, None, None, fast, fast.rows)
            keys = fast.keys
        else:
            try:
                frame = self.parse(chunk.body)
            except BulkInputError as error:
                return _Parsed(chunk, None, error)
            parsed = _Parsed(chunk, frame, None, None, len(frame))
            present = all(f in frame.columns for f in self.key) and len(frame)
            keys = (
                [encode_text(frame[f].to_numpy(dtype=object)) for f in self.key] if present else []
            )
        hit, first = self.seen.repeats(key_hashes(keys) if keys else None, self.rows)
        self.rows += parsed.rows
        return replace(parsed, hit=hit, first=first)


def _parsed_chunks(reader: _Reader, path: Path, rows: int) -> Iterator[_Parsed]:
    """The file's chunks, read one ahead in a background thread."""
    if reader.json:  # JSON is read whole: one chunk
        raw: Iterator[RawChunk] = iter([RawChunk(path.read_bytes(), path.stat().st_size, 0)])
    else:
        raw = csv_chunks(path, rows)
    return prefetched(raw, reader.read)


class _StreamLoad:
    """State of one load: the report, the ids resolved, the chunks and lines read so far."""

    def __init__(self, resource: Resource, report: LoadReport, sink: Sink, reader: _Reader):
        self.resource, self.sink, self.reader = resource, sink, reader
        self.result = StreamResult(report)
        self.known = KnownIds(before_query=sink.pause)
        self.lines = 0

    def chunk(self, parsed: _Parsed) -> None:
        """Validate one chunk, and write its valid rows unless the load is already rejected."""
        report, offset = self.result.report, self.result.report.rows
        if parsed.error is not None:
            raise _relocated_error(parsed.error, parsed.chunk, offset, self.lines)
        with self.result.timed("validate"):
            checked = _relocated_checks(self._validated(parsed, offset), offset)
            key = "/".join(self.reader.key)
            checked = _with_repeats(checked, parsed.hit, parsed.first, offset, key)
        _add(report, checked, parsed.rows)
        self.result.chunks += 1
        self.result.bytes = parsed.chunk.end
        self.lines += parsed.chunk.lines
        if report.rejected and not report.partial:
            return  # keep validating to report every error; nothing will be written
        if len(checked.values):
            with self.result.timed("write"):
                _count(report, self.sink.write(checked.values))

    def _validated(self, parsed: _Parsed, offset: int) -> Validated:
        """The fast path's result when it vouches for the chunk, else ``validate``'s."""
        if parsed.fast is not None:
            checked = fast_validated(self.resource, parsed.fast, self.known)
            if checked is not None:
                return checked
        self.sink.pause()  # validation looks references up
        frame = parsed.frame
        if frame is None:  # the fast path read it but a key did not resolve: read it again
            try:
                frame = self.reader.parse(parsed.chunk.body)
            except BulkInputError as error:
                raise _relocated_error(error, parsed.chunk, offset, self.lines) from None
        return validate(self.resource, frame)


def stream_load(
    *,
    resource: Resource,
    path: Path,
    partial: bool = False,
    dry_run: bool = False,
    source: str = "file",
    rows_per_chunk: int | None = None,
    sink: Sink | None = None,
    progress: ProgressBar | None = None,
) -> StreamResult:
    """Validate and write every row of the file at ``path``, chunk by chunk, atomically.

    Same rules and report as ``bulk_load`` (without its BULK_MAX_ROWS limit); raises
    :class:`BulkInputError` when a chunk cannot be read (row and line numbers counted in the
    whole file) and lets a ``DatabaseError`` through (nothing written).
    """
    started = time.perf_counter()
    report = LoadReport(resource=resource.name, rows=0, dry_run=dry_run, partial=partial)
    reader = _Reader(resource, path)
    load = _StreamLoad(resource, report, sink or UpsertSink(resource, source), reader)
    with load.result.timed("commit"), transaction.atomic():  # "commit" minus the stages inside
        load.sink.open()
        _read_all(load, _parsed_chunks(reader, path, rows_per_chunk or chunk_rows()), progress)
        rejected = report.rejected > 0 and not partial
        if dry_run or rejected:
            load.sink.pause()
            transaction.set_rollback(True)
        else:
            with load.result.timed("write"):
                load.sink.pause()  # PostgreSQL takes the rows still queued
            with load.result.timed("complete"):
                _finish(load.sink, progress)
    if rejected:
        report.created = report.updated = report.unchanged = 0
    report.written = not dry_run and not rejected and report.created + report.updated > 0
    if report.written:
        after_load_run(resource)
    inner = sum(v for k, v in load.result.stages.items() if k != "commit")
    load.result.stages["commit"] -= inner  # deferred foreign-key checks fire here
    load.result.seconds = time.perf_counter() - started
    return load.result


def _read_all(load: _StreamLoad, chunks: Iterator[_Parsed], progress: ProgressBar | None):
    """Validate and write every chunk; a failure ends the sink's running statement first."""
    try:
        while parsed := _next(chunks, load.result):
            load.chunk(parsed)
            if progress:
                progress.update(rows=load.result.report.rows, done=parsed.chunk.end)
    except BaseException:
        load.sink.abort()
        raise


def _next(chunks: Iterator[_Parsed], result: StreamResult) -> _Parsed | None:
    """The next parsed chunk (None at the end), timing the wait for it."""
    with result.timed("read and parse (waiting)"):
        return next(chunks, None)


def _finish(sink: Sink, progress: ProgressBar | None) -> None:
    if progress:
        progress.note("all rows written; completing the load (indexes, foreign keys)")
    sink.finish()
