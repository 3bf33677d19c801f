"""PostgreSQL binary COPY tuples built with numpy structured arrays (no Python loop per row).

Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4 . Each tuple is
an int16 field count, then per field an int32 byte length (-1 = NULL) and the value in network
byte order: int2/int4/int8, float8, bool (1 byte), date (int32 days since 2000-01-01),
timestamptz (int64 microseconds since 2000-01-01 UTC), text (UTF-8 bytes). Text widths vary,
so rows are grouped by the lengths of their text values and each group gets its own layout.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header-extension length
TRAILER = b"\xff\xff"
FIXED = {
    "int8": ">i8",
    "int4": ">i4",
    "int2": ">i2",
    "float8": ">f8",
    "bool": "u1",
    "date": ">i4",
    "timestamptz": ">i8",
}
KINDS = (*FIXED, "text")
PG_EPOCH_DATE = date(2000, 1, 1)
PG_EPOCH_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _wire(kind: str, value: Any) -> Any:
    """The value in wire units: days or microseconds since 2000-01-01, UTF-8 bytes for text."""
    if value is None:
        return None
    array = isinstance(value, np.ndarray)
    if kind == "date":
        if array:
            return (value.astype("datetime64[D]") - np.datetime64(PG_EPOCH_DATE, "D")).astype(
                np.int32
            )
        return (value - PG_EPOCH_DATE).days
    if kind == "timestamptz":
        if array:
            return (value.astype("datetime64[us]") - np.datetime64("2000-01-01", "us")).astype(
                np.int64
            )
        return (value - PG_EPOCH_TIME) // timedelta(microseconds=1)
    if kind == "text":
        return np.strings.encode(value.astype(str), "utf-8") if array else str(value).encode()
    return value.astype(np.uint8) if kind == "bool" and array else value


def _layout(wired: Sequence[tuple[str, Any]], text_widths: dict[int, int]) -> np.dtype:
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for index, (kind, value) in enumerate(wired):
        fields.append((f"l{index}", ">i4"))
        width = text_widths.get(index, 1)
        if value is not None and width > 0:
            fields.append((f"v{index}", f"S{width}" if kind == "text" else FIXED[kind]))
    return np.dtype(fields)


def _encode_group(
    wired: Sequence[tuple[str, Any]],
    rows: np.ndarray | None,
    count: int,
    text_widths: dict[int, int],
) -> memoryview:
    """Tuples of one layout: ``rows`` selects array values (None = all ``count`` rows).

    The parts every tuple shares (field count, lengths, scalar values) are written once into
    a template tuple and copied whole into each; only array values are written per field.
    """
    layout = _layout(wired, text_widths)
    template = np.zeros(1, layout)
    template["count"] = len(wired)
    arrays = []
    for index, (kind, value) in enumerate(wired):
        width = text_widths[index] if kind == "text" else np.dtype(FIXED.get(kind, "u1")).itemsize
        template[f"l{index}"] = -1 if value is None else width
        if value is None or width == 0:
            continue
        if isinstance(value, np.ndarray):
            arrays.append((f"v{index}", value if rows is None else value[rows]))
        else:
            template[f"v{index}"] = value
    out = np.empty(count, layout)
    out[...] = template[0]
    for name, value in arrays:
        out[name] = value
    return out.view(np.uint8).data


def _text_widths(wired: Sequence[tuple[str, Any]], count: int) -> tuple[np.ndarray, list[int]]:
    """Byte lengths (rows x text columns) and the text columns' positions."""
    positions = [i for i, (kind, _) in enumerate(wired) if kind == "text"]
    widths = np.zeros((count, len(positions)), np.int64)
    for column, index in enumerate(positions):
        value = wired[index][1]
        if isinstance(value, np.ndarray):
            widths[:, column] = np.strings.str_len(value)
        elif value is not None:
            widths[:, column] = len(value)
    return widths, positions


def encode(columns: Sequence[tuple[str, Any]], count: int) -> list[memoryview]:
    """Binary COPY tuples of ``count`` rows, without the header and trailer.

    ``columns`` are ``(kind, value)`` in COPY column order; a value is an array of ``count``
    values or a scalar for every row (None = NULL). Kinds: see ``KINDS``.
    """
    wired = [(kind, _wire(kind, value)) for kind, value in columns]
    widths, positions = _text_widths(wired, count)
    if count == 0:
        return []
    if (widths == widths[0]).all():  # one layout; np.unique over rows sorts them (slow)
        same = dict(zip(positions, widths[0].tolist(), strict=True))
        return [_encode_group(wired, None, count, same)]
    keys, inverse = np.unique(widths, axis=0, return_inverse=True)
    if len(keys) == 1:
        return [
            _encode_group(wired, None, count, dict(zip(positions, keys[0].tolist(), strict=True)))
        ]
    inverse = inverse.ravel()
    return [
        _encode_group(
            wired,
            rows := np.flatnonzero(inverse == group),
            len(rows),
            dict(zip(positions, key.tolist(), strict=True)),
        )
        for group, key in enumerate(keys)
    ]
