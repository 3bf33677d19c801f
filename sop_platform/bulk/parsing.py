"""Turn a request body (CSV or a JSON array) into a table of text values, one row per record.

Every malformed body raises :class:`BulkInputError` with a message a person can act on; the
values stay text here, and typing happens in validation, row by row.
"""

import csv
import io
import json
import warnings

import pandas as pd


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


def parse_body(body: bytes, content_type: str, expected: set[str], required: set[str]):
    """A DataFrame of strings (empty string for a missing value) with the body's records.

    ``expected`` are the fields the resource knows, ``required`` those every record needs;
    an unknown field or a missing required one rejects the body, naming the fields.
    """
    if not body:
        raise BulkInputError("The body is empty: send a JSON array or a CSV file with a header.")
    text = _decode(body)
    frame = _parse_csv(text) if "csv" in content_type else _parse_json(text)
    _check_fields(set(frame.columns), expected, required)
    _refuse_nul(frame)
    return frame


def _refuse_nul(frame: pd.DataFrame) -> None:
    """A NUL character cannot be stored in any text column (PostgreSQL refuses it)."""
    for name in frame.columns:
        holding = frame[name].str.contains("\x00", regex=False).to_numpy()
        if holding.any():
            row = int(holding.argmax()) + 1
            raise BulkInputError(f"Row {row}, field {name}: contains a NUL character.")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BulkInputError(
            f"The body is not UTF-8 (invalid byte at position {error.start}); "
            "save the file as UTF-8."
        ) from None


def _parse_json(text: str) -> pd.DataFrame:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise BulkInputError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno}."
        ) from None
    if not isinstance(records, list):
        raise BulkInputError("The JSON body must be an array of objects, one per row.")
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise BulkInputError(f"Row {number} is not a JSON object.")
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return frame.map(_json_text) if len(frame.columns) else frame


def _json_text(value) -> str:
    """JSON values as the text a CSV would carry: null → '', true → 'true', 1.5 → '1.5'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


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
    return line.replace("C error: ", "")


def _check_fields(present: set[str], expected: set[str], required: set[str]) -> None:
    unknown = sorted(present - expected)
    if unknown:
        raise BulkInputError(
            f"Unknown field(s) {', '.join(unknown)}; expected fields are "
            f"{', '.join(sorted(expected))}."
        )
    missing = sorted(required - present)
    if missing and present:
        raise BulkInputError(f"Missing required field(s): {', '.join(missing)}.")
