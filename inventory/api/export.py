"""``GET /api/v1/policies/export/``: the published policies for the ERP, CSV or JSON (the latest
publication of each; governance.publication)."""

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from governance.selectors import location_scope
from inventory.selectors import policies_for_export
from sop_platform.spreadsheet import SafeCsvWriter

# Stable column names: the ERP maps these once; add new columns at the end only.
EXPORT_COLUMNS = (
    ("sku", "item__sku"),
    ("location", "location__code"),
    ("effective_from", "effective_from"),
    ("effective_to", "effective_to"),
    ("status", "policy__status"),
    ("safety_stock", "safety_stock"),
    ("reorder_point", "reorder_point"),
    ("min_level", "min_level"),
    ("max_level", "max_level"),
    ("order_quantity", "order_quantity"),
    ("service_target", "service_target"),
    ("service_type", "service_type"),
    ("policy_version", "policy_version"),
    ("updated_at", "batch__created_at"),
    ("publication", "batch_id"),
)
_CHUNK = 5_000
_NUMBER = {"type": "number"}
_COLUMN_SCHEMAS = {
    "sku": {"type": "string"},
    "location": {"type": "string"},
    "effective_from": {"type": "string", "format": "date"},
    "effective_to": {"type": "string", "format": "date", "nullable": True},
    "status": {"type": "string"},
    "safety_stock": _NUMBER,
    "reorder_point": _NUMBER,
    "min_level": _NUMBER,
    "max_level": _NUMBER,
    "order_quantity": _NUMBER,
    "service_target": _NUMBER,
    "service_type": {"type": "string"},
    "policy_version": {"type": "integer"},
    "updated_at": {"type": "string", "format": "date-time"},
    "publication": {"type": "integer"},
}
_JSON_ROWS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": _COLUMN_SCHEMAS,
        "required": [name for name, _ in EXPORT_COLUMNS],
    },
}


_MAX_BATCH = 9_223_372_036_854_775_807  # publication numbers are 64-bit ids at most
_SINCE_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "integer", "minimum": 0, "maximum": _MAX_BATCH},
    ]
}


class CanReadPolicies(BasePermission):
    """Anyone who may view policies may export them (the ERP integration, managers...)."""

    message = "Exporting policies needs permission to view inventory policies."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("inventory.view_inventorypolicy")


class CSVRenderer(BaseRenderer):
    """Lets ?format=csv and Accept: text/csv negotiate; the view streams the rows itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PolicyExportView(APIView):
    """Stream the published policies, oldest publication first, for ERP replenishment."""

    permission_classes = [CanReadPolicies]
    renderer_classes = [JSONRenderer, CSVRenderer]
    throttle_scope = "read"

    def handle_exception(self, exc: Exception):
        """Errors are JSON whatever format was asked for (a CSV client still reads why)."""
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def perform_content_negotiation(self, request: Request, force: bool = False):
        """An unknown ``?format=`` is a 400 naming the parameter (DRF answers 404)."""
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            raise ValidationError({"format": "Give csv or json."}) from None

    @extend_schema(
        operation_id="policies_export",
        summary="Export the published policies (CSV or JSON)",
        description="The latest publication of each policy. Columns: "
        + ", ".join(name for name, _ in EXPORT_COLUMNS)
        + ". Incremental with ?since= (a whole number: policies published in later "
        "publications; or an ISO timestamp: published after it). The X-Export-Watermark "
        "header holds the latest publication exported: pass it as the next since.",
        tags=["export"],
        parameters=[
            OpenApiParameter(
                "since",
                _SINCE_SCHEMA,
                description="A publication number, or an ISO timestamp with its time zone.",
            ),
            OpenApiParameter("format", str, enum=["csv", "json"], description="Default json."),
        ],
        responses={(200, "text/csv"): str, (200, "application/json"): _JSON_ROWS},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        scope = location_scope(user=request.user)
        policies = _since(policies_for_export(scope=scope), request.query_params.get("since"))
        rows = policies.values_list(*(field for _, field in EXPORT_COLUMNS))
        latest = policies.order_by("-batch_id").values_list("batch_id", flat=True).first()
        as_csv = request.accepted_renderer.format == "csv"
        stream, kind = (_csv(rows), "text/csv") if as_csv else (_json(rows), "application/json")
        response = StreamingHttpResponse(stream, content_type=f"{kind}; charset=utf-8")
        response["X-Export-Watermark"] = str(latest or "")
        if as_csv:
            response["Content-Disposition"] = 'attachment; filename="policies.csv"'
        return response


_SINCE_HELP = (
    "Use a publication number (a whole number) or an ISO timestamp (2026-11-27T10:00:00Z)."
)


def _since(policies: QuerySet, since: str | None) -> QuerySet:
    """Policies published after ``since``: a publication number (ASCII digits) or an ISO
    timestamp."""
    if not since:
        return policies
    if since.isascii() and since.isdigit():
        return policies.filter(batch_id__gt=_since_batch(since))
    return policies.filter(batch__created_at__gt=_since_moment(since))


def _since_batch(since: str) -> int:
    """The publication number in ``since`` (ASCII digits), or a 400 beyond any id."""
    if len(since) > len(str(_MAX_BATCH)) or int(since) > _MAX_BATCH:
        raise ValidationError({"since": f"A publication number is at most {_MAX_BATCH}."})
    return int(since)


def _since_moment(since: str) -> datetime:
    """The aware timestamp in ``since``, or a 400 naming the parameter.

    A well-formed but impossible moment (month 13, February 30, hour 25), non-ASCII digits
    and a moment outside the representable UTC range are 400s, like malformed text.
    """
    try:
        moment = parse_datetime(since.replace(" ", "+")) if since.isascii() else None
        if moment is not None and moment.tzinfo is not None:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise ValidationError({"since": _SINCE_HELP})
    if moment.tzinfo is None:
        raise ValidationError({"since": "Give the timestamp's time zone, e.g. ...Z or +01:00."})
    return moment


def _plain(value):
    """Dates and timestamps as ISO 8601 text; other values as they are (None → empty in CSV)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _csv(rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(name for name, _ in EXPORT_COLUMNS)
    for index, row in enumerate(rows.iterator(chunk_size=_CHUNK)):
        writer.writerow(_plain(v) for v in row)
        if index % 1000 == 999:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json(rows) -> Iterator[str]:
    names = [name for name, _ in EXPORT_COLUMNS]
    yield "["
    for index, row in enumerate(rows.iterator(chunk_size=_CHUNK)):
        record = {n: _plain(v) for n, v in zip(names, row, strict=True)}
        yield ("," if index else "") + json.dumps(record)
    yield "]"
