"""Pages of the governance app: the audit trail of policies and proposals (and its CSV).

The reads live in ``governance.audit``; these views only translate HTTP.
"""

from collections.abc import Iterator

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance.audit import (
    AUDIT_CSV_COLUMNS,
    FILTERABLE,
    AuditRecords,
    audit_entries,
    audit_records,
    audit_rows,
)
from governance.selectors import location_scope
from sop_platform.spreadsheet import SafeCsvWriter

VIEW_AUDIT = "inventory.view_inventorypolicy"
RECORDS_PER_PAGE = 25
CSV_CHUNK = 500


def _filter_data(request: HttpRequest) -> QueryDict:
    """The query string as filter input (the page is not a filter)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query


def _only_field(found: AuditRecords) -> str | None:
    """The field filtered on, when valid: entries then show only its changes."""
    filters = found.policy_filters
    filters.errors  # noqa: B018 -- validates the form, whose valid fields then filter
    return filters.form.cleaned_data.get("field") or None


@require_GET
@permission_required(VIEW_AUDIT, raise_exception=True)
def audit(request: HttpRequest) -> HttpResponse:
    """Changes of inventory policies and proposals at the user's locations, newest first,
    filtered, 25 records a page (each with its changed fields)."""
    data = _filter_data(request)
    found = audit_records(user=request.user, data=data)
    page = Paginator(found.records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = audit_entries(page.object_list, only_field=_only_field(found))
    locations = location_scope(user=request.user).locations().order_by("code")
    context = {
        "page": page,
        "filters": found.policy_filters,
        "fields": [(name, name.replace("_", " ").capitalize()) for name in FILTERABLE],
        "location_codes": list(locations.values_list("code", flat=True)),
        "query": data.urlencode(),
    }
    return render(request, "governance/audit.html", context)


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


@require_GET
@permission_required(VIEW_AUDIT, raise_exception=True)
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit trail as CSV, one row per changed field, streamed; text cells that
    a spreadsheet would take for a formula are quoted."""
    found = audit_records(user=request.user, data=_filter_data(request))
    lines = _csv_lines(found, _only_field(found))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def _csv_lines(found: AuditRecords, only_field: str | None) -> Iterator[str]:
    writer = SafeCsvWriter(_Echo())
    yield writer.writerow(AUDIT_CSV_COLUMNS)
    chunk = []
    for record in found.records.iterator(chunk_size=CSV_CHUNK):
        chunk.append(record)
        if len(chunk) == CSV_CHUNK:
            yield from _chunk_lines(writer, chunk, only_field)
            chunk = []
    yield from _chunk_lines(writer, chunk, only_field)


def _chunk_lines(writer: SafeCsvWriter, chunk: list, only_field: str | None) -> Iterator[str]:
    for row in audit_rows(audit_entries(chunk, only_field=only_field)):
        yield writer.writerow(row)
