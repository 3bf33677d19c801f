"""CSV (and later XLSX) cells that a spreadsheet opens as text, never as a formula.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a
formula by Excel, LibreOffice and Google Sheets ("CSV injection", OWASP). Such text cells get a
leading apostrophe, which the spreadsheet shows as text; numbers stay numbers.
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as it may be written to a cell: text that could start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` over ``stream`` whose rows pass through :func:`spreadsheet_safe`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one row; returns what the stream's ``write`` returned (for streaming)."""
        return self._writer.writerow([spreadsheet_safe(value) for value in row])
