"""Turn a request body (CSV or a JSON array) into a table of text values, one row per record.

Every malformed body raises :class:`BulkInputError` with a message a person can act on; the
values stay text here, and typing happens in validation, row by row. A cell that cannot be
read as one value (a CSV row shorter than its header, a JSON object or array given as a
value) is flagged for validation to report on its row: see :func:`flag_problem`.

JSON is bounded before it is parsed (nesting depth, length of a number), so no body can
exhaust the parser; numbers keep their literal text, and NaN / Infinity stay text that no
number column accepts.
"""

import csv
import io
import json
import re
import warnings
from collections.abc import Collection

import numpy as np
import pandas as pd

from sop_platform.bulk.messages import echo, echo_names

MAX_JSON_DEPTH = 16  # an array of flat objects is 2 deep; deeper values are row errors up to this
MAX_NUMBER_CHARS = 100  # characters of one JSON number
PROBLEM_MARK = "\x00"  # starts a flag column's name: MARK field MARK message (no field has NUL)
SHORT_ROW = "is missing: the row is shorter than the header"
NOT_ONE_VALUE = "must be one value, not an object or array"
NOT_A_BOOLEAN_FIELD = "takes no true/false: give text or a number"


class BulkInputError(Exception):
    """The body cannot be read or written. ``status`` is the HTTP status to answer with;
    ``retry_after`` (seconds), when set, tells the client to send the same load again."""

    def __init__(self, message: str, status: int = 400, *, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers of the answer: ``Retry-After`` for a retryable refusal."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


def parse_body(
    body: bytes,
    content_type: str,
    expected: set[str],
    required: set[str],
    *,
    boolean_fields: Collection[str] = (),
):
    """A DataFrame of strings (empty string for a missing value) with the body's records.

    ``expected`` are the fields the resource knows, ``required`` those every record needs;
    an unknown field or a missing required one rejects the body, naming the fields (a JSON
    record may leave out any field: it is then empty). Cells that cannot be read as one
    value are flagged in extra boolean columns (:func:`pop_problems` takes them back), as
    are JSON true/false outside ``boolean_fields``.
    """
    if not body:
        raise BulkInputError("The body is empty: send a JSON array or a CSV file with a header.")
    if "csv" in content_type:
        text = _decode(body)
        frame = _parse_csv(text)
        _check_fields(set(frame.columns), expected, required)
        if "\x00" in text:
            _refuse_characters(frame, "\x00", "a NUL character", regex=False)
        _flag_short_rows(frame, text)
        return frame
    return _parse_json(body, expected, required, boolean_fields)


def flag_problem(frame: pd.DataFrame, mask: np.ndarray, field: str, message: str) -> None:
    """Record that the rows in ``mask`` cannot be read in ``field``, for validation to
    report as row errors (a column named MARK field MARK message, holding the mask)."""
    if mask.any():
        frame[f"{PROBLEM_MARK}{field}{PROBLEM_MARK}{message}"] = mask


def pop_problems(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[np.ndarray, str, str]]]:
    """The frame without its flag columns, and the flags as (row mask, field, message)."""
    flagged = [name for name in frame.columns if name.startswith(PROBLEM_MARK)]
    if not flagged:
        return frame, []
    problems = [
        (frame[name].to_numpy(dtype=bool), *name[1:].split(PROBLEM_MARK, 1)) for name in flagged
    ]
    return frame.drop(columns=flagged), problems


def _refuse_characters(frame: pd.DataFrame, pattern: str, what: str, regex: bool = True) -> None:
    """Characters no text column can store (PostgreSQL refuses NUL; a lone surrogate cannot
    be encoded at all) reject the body, naming the first row and field holding one."""
    for name in frame.columns:
        holding = frame[name].str.contains(pattern, regex=regex).to_numpy(dtype=bool)
        if holding.any():
            row = int(holding.argmax()) + 1
            raise BulkInputError(f"Row {row}, field {echo(name)}: contains {what}.")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BulkInputError(
            f"The body is not UTF-8 (invalid byte at position {error.start}); "
            "save the file as UTF-8."
        ) from None


_BRACKETS_ONLY = bytes(set(range(256)) - set(b'"[]{}'))
_STEPS = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")  # as int8: open +1, close -1
_STRINGS = re.compile(rb'"[^"]*"')


def _check_json_depth(body: bytes) -> None:
    """Refuse a body nested deeper than MAX_JSON_DEPTH before parsing it (the parser would
    recurse once per level). Counts the brackets outside strings in a few C-speed passes:
    escaped quotes dropped, then all but quotes and brackets, then two adjacent quotes (an
    empty string, or the end of one and the start of the next: the brackets' side of the
    quotes stays the same), then what is left inside strings."""
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = body.translate(None, _BRACKETS_ONLY).replace(b'""', b"")
    brackets = _STRINGS.sub(b"", marks)
    steps = np.frombuffer(brackets.translate(_STEPS), dtype=np.int8)
    depth = int(steps.cumsum(dtype=np.int64).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        raise BulkInputError(
            f"The JSON is nested {depth:,} levels deep; at most {MAX_JSON_DEPTH} are read. "
            "Send an array of flat objects, one per row."
        )


def _number_text(literal: str) -> str:
    """A JSON number as its literal text, as a CSV would carry it; refuse an endless one."""
    if len(literal) > MAX_NUMBER_CHARS:
        raise BulkInputError(
            f"The JSON holds a number of {len(literal):,} characters ({echo(literal)}); "
            f"numbers may have at most {MAX_NUMBER_CHARS}."
        )
    return literal


def _json_records(text: str) -> list[dict]:
    """The body's records: a JSON array of objects, numbers kept as their literal text."""
    try:
        records = json.loads(
            text, parse_int=_number_text, parse_float=_number_text, parse_constant=str
        )
    except json.JSONDecodeError as error:
        raise BulkInputError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}."
        ) from None
    if not isinstance(records, list):
        raise BulkInputError("The JSON body must be an array of objects, one per row.")
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise BulkInputError(f"Row {number} is not a JSON object.")
    return records


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _parse_json(
    body: bytes, expected: set[str], required: set[str], boolean_fields: Collection[str]
) -> pd.DataFrame:
    """The records as text, one column per field (a left-out field is empty); objects and
    arrays given as values are flagged. Text no column can store is refused while the
    columns are still Python objects (pandas' text columns cannot hold a lone surrogate)."""
    _check_json_depth(body)
    records = _json_records(_decode(body))
    names = set().union(*records)
    _check_fields(names, expected, required=set())
    raw = pd.DataFrame(records, columns=sorted(names | required), dtype=object)
    texts, structures, booleans = {}, {}, {}
    for name in raw.columns:
        texts[name], structures[name], booleans[name] = _json_text(raw[name].to_numpy())
    frame = pd.DataFrame(texts, index=raw.index, dtype=object)
    if b"\\u0000" in body:
        _refuse_characters(frame, "\x00", "a NUL character", regex=False)
    if b"\\ud" in body or b"\\uD" in body:  # an escaped surrogate, maybe of a pair
        _refuse_characters(frame, "[\ud800-\udfff]", "an unpaired surrogate (not a character)")
    frame = frame.astype(str)  # the same text columns as a CSV gives
    for name, mask in structures.items():
        flag_problem(frame, mask, name, NOT_ONE_VALUE)
        if name not in boolean_fields:
            flag_problem(frame, booleans[name], name, NOT_A_BOOLEAN_FIELD)
    return frame


def _json_text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """JSON values as the text a CSV would carry, vectorized: null or left out → '',
    true → 'true' (numbers and NaN / Infinity arrive as their text); where a value is
    an object or an array (its text is ''); and where it is true or false."""
    kinds = _TYPE_OF(values)
    # E721 does not apply: == compares a numpy array of types elementwise.
    text = np.where(kinds == str, values, "")  # noqa: E721
    booleans = np.flatnonzero(kinds == bool)  # noqa: E721
    text[booleans] = np.where(values[booleans].astype(bool), "true", "false")
    is_boolean = np.zeros(len(values), dtype=bool)
    is_boolean[booleans] = True
    return text, (kinds == dict) | (kinds == list), is_boolean  # noqa: E721


def _parse_csv(text: str) -> pd.DataFrame:
    header = text.splitlines()[0] if text.strip() else ""
    if not header.strip():
        raise BulkInputError("The CSV has no header line: the first line must name the fields.")
    if header.count(",") == 0 and any(sep in header for sep in (";", "\t", "|")):
        raise BulkInputError("The CSV must be comma-separated; the header uses another delimiter.")
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas from taking a surplus first field for an index;
            # the warning it then gives for a row longer than the header becomes an error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skipinitialspace=True,
                engine="c",
                index_col=False,
            )
    except (pd.errors.ParserError, csv.Error) as error:
        raise BulkInputError(f"The CSV cannot be read: {_first_line(str(error))}") from None
    except pd.errors.ParserWarning:
        raise BulkInputError(f"The CSV cannot be read: {_long_row(text)}") from None


def _flag_short_rows(frame: pd.DataFrame, text: str) -> None:
    """Flag the cells missing from rows shorter than the header (pandas pads them with '').

    No row is longer than the header (that is refused), so the commas outside quotes number
    (fields - 1) x (rows + 1) exactly when no row is short: counting them is the fast path,
    and the rows are read again one by one only when the count falls short.
    """
    width = len(frame.columns)
    if width < 2 or _separators(text) == (width - 1) * (len(frame) + 1):
        return
    fields = _field_counts(text, len(frame))
    for position, name in enumerate(frame.columns[1:], start=1):
        flag_problem(frame, fields <= position, name, SHORT_ROW)


def _separators(text: str) -> int:
    """Commas outside double quotes (a doubled quote inside a quoted field toggles twice)."""
    if '"' not in text:
        return text.count(",")
    return text.count(",") - "".join(text.split('"')[1::2]).count(",")


def _field_counts(text: str, rows: int) -> np.ndarray:
    """Fields of each record after the header, skipping blank lines as pandas does."""
    records = csv.reader(io.StringIO(text), skipinitialspace=True)
    next(records)
    counts = np.array([len(r) for r in records if r not in ([], [""])], dtype=np.int64)
    if len(counts) != rows:  # pandas and the csv module disagree on a line: say so
        raise BulkInputError("The CSV cannot be read: a line has fewer fields than the header.")
    return counts


def _long_row(text: str) -> str:
    """Which line has more fields than the header (read again, only on this error path)."""
    lines = csv.reader(io.StringIO(text), skipinitialspace=True)
    width = len(next(lines))
    for number, fields in enumerate(lines, start=2):
        if len(fields) > width:
            return f"line {number} has {len(fields)} fields, the header {width}."
    return "a line has more fields than the header."


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "malformed CSV"
    return echo(line.replace("C error: ", ""), limit=200)


def _check_fields(present: set[str], expected: set[str], required: set[str]) -> None:
    unknown = sorted(present - expected)
    if unknown:
        raise BulkInputError(
            f"Unknown field(s) {echo_names(unknown)}; expected fields are "
            f"{', '.join(sorted(expected))}."
        )
    missing = sorted(required - present)
    if missing and present:
        raise BulkInputError(f"Missing required field(s): {', '.join(missing)}.")
