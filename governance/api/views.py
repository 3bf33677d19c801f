"""``/api/v1/exceptions/``: planning exceptions to read, and to handle through the service."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.serializers import PlanningExceptionSerializer
from governance.filtersets import PlanningExceptionFilterSet
from governance.models import PlanningException
from governance.services import planning_exception_update
from sop_platform.api.reads import IdCursorPagination, ScopedReadViewSet, ViewPermission


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

    @extend_schema(
        summary="Assign, progress, resolve or dismiss an exception",
        description="Only owner (a username), status, resolution_notes and due_date may "
        "change. Resolving or dismissing needs non-empty resolution_notes and sets "
        "resolved_at; reopening clears it.",
        responses={
            200: PlanningExceptionSerializer,
            400: OpenApiResponse(description="Errors by field name."),
            403: OpenApiResponse(description="Handling exceptions needs the role."),
        },
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        exception = self.get_object()
        given = PlanningExceptionSerializer(exception, data=request.data, partial=True)
        given.is_valid(raise_exception=True)  # shapes only; the service holds the rules
        try:
            planning_exception_update(
                exception=exception, user=request.user, **given.validated_data
            )
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        return Response(PlanningExceptionSerializer(exception).data)
