"""``POST /api/v1/<resource>/bulk/``: load a JSON array or a CSV file into one resource."""

from django.conf import settings
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sop_platform.api.permissions import CanLoadData
from sop_platform.bulk.messages import echo
from sop_platform.bulk.parsing import BulkInputError
from sop_platform.bulk.service import bulk_load
from sop_platform.bulk.spec import Column, Resource


class RawBodyParser(BaseParser):
    """Accept any other body type (DRF answers 415 for types no parser claims, and may read
    the body while authenticating); the view hands the raw bytes to the bulk service, which
    parses CSV and JSON itself, with its own bounds. Multipart and form bodies go to DRF's
    parsers first, so ``request.POST`` stays a QueryDict and session CSRF checks work."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read() if stream is not None else b""


class BulkLoadView(APIView):
    """Upsert rows by natural key; 200 with counts, 400 with row errors, 413 when too big."""

    resource: Resource  # set by bulk_view() for each resource
    permission_classes = [CanLoadData]
    parser_classes = [MultiPartParser, FormParser, RawBodyParser]
    throttle_scope = "bulk"

    def post(self, request: Request) -> Response:
        too_big = _too_big(request)
        if too_big:
            return too_big
        try:
            body, content_type = _payload(request)
            report = bulk_load(
                resource=self.resource,
                body=body,
                content_type=content_type,
                partial=_flag(request, "partial"),
                dry_run=_flag(request, "dry_run"),
                source=_source(request),
            )
        except BulkInputError as error:
            return Response({"detail": str(error)}, status=error.status, headers=error.headers)
        answer = status.HTTP_200_OK if report.ok or report.partial else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=answer)


def _too_big(request: Request) -> Response | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.BULK_MAX_BODY_BYTES:
        limit = settings.BULK_MAX_BODY_BYTES // (1024 * 1024)
        detail = f"The body is {length:,} bytes; one load may carry {limit} MB. Split the file."
        return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return None


def _payload(request: Request) -> tuple[bytes, str]:
    """The body and its type: a multipart upload's ``file`` part, or the raw body."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise BulkInputError("Send the CSV or JSON as the multipart field named 'file'.")
        name = (upload.name or "").lower()
        kind = (
            "text/csv"
            if name.endswith(".csv") or "csv" in (upload.content_type or "")
            else ("application/json")
        )
        return upload.read(), kind
    if "csv" not in content_type and "json" not in content_type:
        raise BulkInputError(
            f"Unsupported content type {echo(content_type) or '(none)'}: send application/json, "
            "text/csv or a multipart upload.",
            status=415,
        )
    return request.data, content_type


_FLAGS = {"false": False, "0": False, "no": False, "true": True, "1": True, "yes": True}
SOURCE_MAX_LENGTH = 40


def _flag(request: Request, name: str) -> bool:
    """A yes/no query parameter, false when absent; anything but true/false (1/0, yes/no),
    an empty value included, is a 400 naming it."""
    if name not in request.query_params:
        return False
    given = request.query_params[name]
    if given.lower() not in _FLAGS:
        raise BulkInputError(f"?{name}= takes true or false, not {echo(given)}.")
    return _FLAGS[given.lower()]


def _source(request: Request) -> str:
    """The provenance to record (``api`` when absent): at most 40 characters, no NUL."""
    given = request.query_params.get("source", "") or "api"
    if len(given) > SOURCE_MAX_LENGTH or "\x00" in given:
        raise BulkInputError(
            f"?source= takes at most {SOURCE_MAX_LENGTH} characters and no NUL character."
        )
    return given


_FIELD_TYPES = {
    "number": serializers.FloatField,
    "integer": serializers.IntegerField,
    "date": serializers.DateField,
    "boolean": serializers.BooleanField,
}


def _row_serializer(resource: Resource) -> serializers.Serializer:
    """The shape of one row, for the OpenAPI schema (validation itself is the service's)."""
    fields = {}
    for column in resource.columns:
        for name in column.input_fields:
            fields[name] = _schema_field(column, name)
    name = f"{resource.name.title().replace('-', '')}Row"
    return inline_serializer(name=name, fields=fields, many=True)


def _schema_field(column: Column, name: str) -> serializers.Field:
    options = {"required": column.required, "allow_null": not column.required}
    if column.kind == "choice":
        return serializers.ChoiceField(choices=column.choices, **options)
    if column.reference and name == "line_number":
        return serializers.IntegerField(**options)
    if column.kind not in _FIELD_TYPES:
        return _text_field(column.max_length, **options)
    return _FIELD_TYPES[column.kind](**options)


def _text_field(max_length: int | None, **options) -> serializers.Field:
    """Text, which may also arrive as a JSON number (read as its text, as a CSV carries it)."""
    text = {"type": "string", **({"maxLength": max_length} if max_length else {})}
    schema = {"anyOf": [text, {"type": "number"}]}
    if options.get("allow_null"):
        schema["nullable"] = True
    field_class = extend_schema_field(schema)(type("TextField", (serializers.CharField,), {}))
    return field_class(**options)


_REPORT = inline_serializer(
    name="BulkLoadReport",
    fields={
        "resource": serializers.CharField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "written": serializers.BooleanField(),
        "dry_run": serializers.BooleanField(),
        "partial": serializers.BooleanField(),
        "error_count": serializers.IntegerField(),
        "errors": inline_serializer(
            name="BulkRowError",
            fields={
                "row": serializers.IntegerField(),
                "field": serializers.CharField(),
                "message": serializers.CharField(),
            },
            many=True,
        ),
    },
)


_ERROR = inline_serializer(name="Error", fields={"detail": serializers.CharField()})
_REJECTED = OpenApiResponse(
    response=PolymorphicProxySerializer(
        component_name="BulkLoadRejection",
        serializers=[_REPORT, _ERROR],
        resource_type_field_name=None,
    ),
    description="Rows rejected (the report, with each row's errors), or a body that cannot be "
    "read at all (detail).",
)
_REFUSED = OpenApiResponse(
    response=_ERROR, description="The rows break a database rule; nothing was written."
)
_TOO_BIG = OpenApiResponse(response=_ERROR, description="More rows or bytes than one load takes.")
_UNSUPPORTED = OpenApiResponse(response=_ERROR, description="Not JSON, CSV or a multipart upload.")
_BUSY = OpenApiResponse(
    response=_ERROR,
    description="Concurrent writes to the same rows kept the load from committing after "
    "retries; nothing was written. Send the same load again after Retry-After seconds.",
)
_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    location=OpenApiParameter.HEADER,
    response=[503],
    description="Seconds to wait before sending the same load again.",
)


def bulk_view(resource: Resource):
    """The bulk endpoint of one resource, documented with its row shape."""

    def post(self, request: Request) -> Response:  # a function of its own to carry the schema
        return BulkLoadView.post(self, request)

    documented = extend_schema(
        operation_id=f"{resource.name.replace('-', '_')}_bulk_load",
        summary=f"Load {resource.name} (upsert by {', '.join(resource.key)})",
        description=resource.description,
        tags=["bulk loads"],
        request={
            "application/json": _row_serializer(resource),
            "text/csv": {"type": "string", "format": "binary"},
        },
        parameters=[
            OpenApiParameter("partial", bool, description="Write the valid rows, report the rest."),
            OpenApiParameter("dry_run", bool, description="Validate and count only."),
            OpenApiParameter(
                "source",
                {"type": "string", "maxLength": SOURCE_MAX_LENGTH, "pattern": "^[^\\x00]*$"},
                description="Provenance recorded on the rows (default api).",
            ),
            _RETRY_AFTER,
        ],
        responses={
            200: _REPORT,
            400: _REJECTED,
            409: _REFUSED,
            413: _TOO_BIG,
            415: _UNSUPPORTED,
            503: _BUSY,
        },
    )(post)
    view_class = type(
        f"{resource.name.title().replace('-', '')}BulkLoadView",
        (BulkLoadView,),
        {"resource": resource, "post": documented},
    )
    return view_class.as_view()
