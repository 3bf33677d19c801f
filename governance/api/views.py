"""``/api/v1/exceptions/``: planning exceptions to read, and to handle through the service."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.serializers import (
    PlanningExceptionConflictSerializer,
    PlanningExceptionSerializer,
)
from governance.filtersets import PlanningExceptionFilterSet
from governance.models import PlanningException
from governance.services import PlanningExceptionConflict, planning_exception_update
from sop_platform.api.reads import IdCursorPagination, ScopedReadViewSet, ViewPermission

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    location=OpenApiParameter.HEADER,
    description='The version read, as its ETag ("3"); the same as the body\'s version.',
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    location=OpenApiParameter.HEADER,
    response=[200, 409],
    description='The stored version ("3"), for If-Match.',
)


class PlanningExceptionViewSet(ScopedReadViewSet):
    """Read exceptions at the caller's locations, filtered and paged; PATCH one to assign,
    progress, resolve or dismiss it (``governance.change_planningexception``)."""

    queryset = PlanningException.objects.select_related("item", "location", "owner")
    serializer_class = PlanningExceptionSerializer
    filterset_class = PlanningExceptionFilterSet
    permission_classes = [ViewPermission]  # PATCH: the model's change permission
    pagination_class = IdCursorPagination
    location_path = "location"
    throttle_scope = "read"
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        return _tagged(response, response.data["version"])

    @extend_schema(
        summary="Assign, progress, resolve or dismiss an exception",
        description="Only owner (a username), status, resolution_notes and due_date may "
        "change; resolution_notes adds a note (notes are appended, never overwritten). "
        "Resolving or dismissing needs notes (given now or written before) and sets "
        "resolved_at; reopening clears it; other changes leave it. Send the version read "
        "(body field version, or If-Match): a change based on an older version is refused "
        "with 409 and the exception as stored now. Every change raises the version by one.",
        parameters=[IF_MATCH, ETAG],
        responses={
            200: PlanningExceptionSerializer,
            400: OpenApiResponse(description="Errors by field name."),
            403: OpenApiResponse(description="Handling exceptions needs the role."),
            409: OpenApiResponse(
                PlanningExceptionConflictSerializer,
                description="Someone changed the exception since the version sent was read; "
                "nothing was saved.",
            ),
        },
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        exception = self.get_object()
        given = PlanningExceptionSerializer(exception, data=request.data, partial=True)
        given.is_valid(raise_exception=True)  # shapes only; the service holds the rules
        changes = dict(given.validated_data)
        version = _version_read(changes.pop("version", None), request.headers.get("If-Match"))
        try:
            done = planning_exception_update(
                exception=exception, user=request.user, version=version, **changes
            )
        except PlanningExceptionConflict as conflict:
            return _conflict(conflict)
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        return _tagged(Response(PlanningExceptionSerializer(done).data), done.version)


def _version_read(given: int | None, if_match: str | None) -> int | None:
    """The version the client read: the body's ``version`` or the If-Match header's (``"3"``,
    ``W/"3"`` or ``3``; ``*`` means any). None when neither is sent."""
    if if_match is None or if_match.strip() == "*":
        return given
    text = if_match.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        raise exceptions.ValidationError(
            {"If-Match": ['Send the version read as its ETag, e.g. If-Match: "3".']}
        )
    if given is not None and given != int(text):
        raise exceptions.ValidationError({"version": ["Differs from the If-Match header."]})
    return int(text)


def _conflict(conflict: PlanningExceptionConflict) -> Response:
    """409 with the exception as stored now."""
    current = conflict.current
    body = {
        "detail": str(conflict),
        "version": current.version,
        "current": PlanningExceptionSerializer(current).data,
    }
    return _tagged(Response(body, status=status.HTTP_409_CONFLICT), current.version)


def _tagged(response: Response, version: int) -> Response:
    """``response`` with the exception's version as its ETag."""
    response["ETag"] = f'"{version}"'
    return response
