"""Read a CSV file a bounded number of records at a time, each chunk a CSV body of its own.

A chunk is the file's header line followed by up to ``rows`` whole records, so every chunk
goes through the same parser as an API body. Records end at a newline outside double quotes
(RFC 4180: a quoted field may hold newlines; ``""`` is an escaped quote and keeps the count
even), found with numpy over the raw bytes, so no Python code runs per line.
"""

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np

READ_BYTES = 8 * 1024 * 1024
"""Bytes read from the file at a time while looking for the end of a chunk."""
_NEWLINE, _QUOTE = ord("\n"), ord('"')
T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class RawChunk:
    """One chunk: ``body`` is the header line plus whole records; ``end`` is the file offset
    (bytes) just past its last record; ``lines`` counts the newlines of its records."""

    body: bytes
    end: int
    lines: int


def _record_ends(block: bytes, quoted: bool) -> tuple[np.ndarray, bool]:
    """Offsets just past each newline that ends a record, and whether ``block`` ends quoted.

    ``quoted`` says whether the block starts inside a quoted field.
    """
    raw = np.frombuffer(block, dtype=np.uint8)
    quotes = np.cumsum(raw == _QUOTE, dtype=np.int64) + int(quoted)
    newlines = np.flatnonzero(raw == _NEWLINE)
    ends = newlines[(quotes[newlines] % 2) == 0] + 1
    return ends, bool(quotes[-1] % 2) if len(quotes) else quoted


class CsvChunker:
    """Iterates over a CSV file as :class:`RawChunk` bodies of at most ``rows`` records."""

    def __init__(self, stream: BinaryIO, rows: int, read_bytes: int = READ_BYTES):
        if rows < 1:
            raise ValueError(f"A chunk holds at least one row (got {rows}).")
        self.stream, self.rows, self.read_bytes = stream, rows, read_bytes
        self.header = self._header()
        self.offset = len(self.header)
        self.pending = bytearray()  # read, not yet returned; starts at a record boundary
        self.ends = np.empty(0, dtype=np.int64)  # record ends found in ``pending``
        self.scanned, self.quoted, self.eof = 0, False, False

    def _header(self) -> bytes:
        """The first line, newline included (empty for an empty file)."""
        return self.stream.readline()

    def __iter__(self) -> Iterator[RawChunk]:
        while True:
            while len(self.ends) < self.rows and not self.eof:
                self._read()
            if not self.pending:
                return
            enough = len(self.ends) >= self.rows
            cut = int(self.ends[self.rows - 1]) if enough else len(self.pending)
            yield self._take(cut)

    def _read(self) -> None:
        """Read more bytes and find the record ends in them."""
        block = self.stream.read(self.read_bytes)
        if not block:
            self.eof = True
            return
        self.pending += block
        ends, self.quoted = _record_ends(block, self.quoted)
        self.ends = np.concatenate([self.ends, ends + self.scanned])
        self.scanned += len(block)

    def _take(self, cut: int) -> RawChunk:
        """Return the first ``cut`` pending bytes as a chunk and keep the rest."""
        records = bytes(self.pending[:cut])
        del self.pending[:cut]
        self.ends = self.ends[self.ends > cut] - cut
        self.scanned -= cut
        self.offset += cut
        return RawChunk(self.header + records, self.offset, records.count(b"\n"))


def csv_chunks(path: Path, rows: int) -> Iterator[RawChunk]:
    """The chunks of the CSV file at ``path`` (one empty-bodied chunk for a header-only file)."""
    with path.open("rb") as stream:
        chunker = CsvChunker(stream, rows)
        produced = False
        for chunk in chunker:
            produced = True
            yield chunk
        if not produced:
            yield RawChunk(chunker.header, chunker.offset, 0)


def prefetched(items: Iterator[T], work: Callable[[T], U], depth: int = 1) -> Iterator[U]:
    """``work(item)`` for each item, computed in a background thread one item ahead.

    Lets the next chunk be read and parsed (no database access) while the caller writes
    the current one; an exception in the thread is raised in the caller, in order.
    """
    results: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                results.put((True, work(item)))
        except BaseException as error:  # handed to the consumer, raised there
            results.put((False, error))
            return
        results.put((True, _DONE))

    thread = threading.Thread(target=produce, name="bulk-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, value = results.get()
            if not ok:
                raise value
            if value is _DONE:
                return
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                results.get(timeout=0.1)
        thread.join()


_DONE = object()
