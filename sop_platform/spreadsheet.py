"""CSV and XLSX cells that a spreadsheet opens as text, never as a formula.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken for a
formula by Excel, LibreOffice and Google Sheets ("CSV injection", OWASP). Such text cells get a
leading apostrophe, which the spreadsheet shows as text; numbers stay numbers.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import xlsxwriter

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


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV lines of ``header`` and ``rows`` one at a time, for a streaming response; lists
    are joined with ";"."""
    writer = SafeCsvWriter(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(";".join(v) if isinstance(v, list) else v for v in row)


def cell_value(value: Any) -> Any:
    """A database value as a cell holds it: lists joined with ";", decimals as floats, dates
    as ISO text, text made formula-safe."""
    if isinstance(value, list | tuple):
        value = ";".join(str(part) for part in value)
    elif isinstance(value, Decimal):
        return float(value)
    elif isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(value)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]], *, sheet: str) -> bytes:
    """One worksheet with a bold, frozen header row; text is never read as a formula, URL or
    number. XlsxWriter's constant-memory mode keeps one row in memory at a time."""
    buffer = BytesIO()
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    with xlsxwriter.Workbook(buffer, options) as workbook:
        worksheet = workbook.add_worksheet(sheet[:31])
        header = list(header)
        worksheet.write_row(0, 0, header, workbook.add_format({"bold": True}))
        worksheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            worksheet.write_row(number, 0, [cell_value(value) for value in row])
    return buffer.getvalue()
