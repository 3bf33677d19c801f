"""A page's filtered rows as a download: CSV streamed (any size) or XLSX (a bounded size)."""

from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone

from sop_platform.spreadsheet import XLSX_CONTENT_TYPE, csv_lines, xlsx_bytes

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 200_000  # a spreadsheet's practical size; CSV has no limit


def export_response(
    fmt: str,
    rows: QuerySet,
    *,
    name: str,
    header: list[str],
    lines: Callable[[QuerySet], Iterable[list]],
) -> HttpResponse:
    """``lines(rows)`` under ``header`` as ``<name>-<today>.csv`` or ``.xlsx``; a 400 naming
    the problem for another format or an XLSX of more than XLSX_MAX_ROWS rows."""
    if fmt not in FORMATS:
        return HttpResponseBadRequest("Export as csv or xlsx.")
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(header, lines(rows)), content_type="text/csv; charset=utf-8"
        )
    elif rows.count() > XLSX_MAX_ROWS:
        return HttpResponseBadRequest(
            f"More than {XLSX_MAX_ROWS:,} rows match: narrow the filters or export CSV."
        )
    else:
        body = xlsx_bytes(header, lines(rows), sheet=name.capitalize())
        response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
