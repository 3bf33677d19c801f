"""``/api/v1/forecast-runs/``: start, follow and cancel forecast runs.

Starting goes through ``forecast_run_start`` like every other interface; the view only turns
the JSON into a scope and the service's errors into HTTP answers: 400 naming the field for a
bad scope or parameter, 403 beyond the caller's locations, 409 for an overlapping active run.
A caller sees the runs whose locations are all in their scope.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from demand.models import ForecastRun
from demand.runs.parameters import LIMITS
from demand.runs.selectors import forecast_run_progress, forecast_runs_visible_to
from demand.runs.services import forecast_run_cancel, forecast_run_start
from governance.api.serializers import StrictInputSerializer
from inventory.api.runs import NewestFirstPagination, RunConflictError
from inventory.runs.parameters import ParameterError
from inventory.runs.scope import RunScope, ScopeError, scope_resolve
from inventory.runs.services import RunConflict
from sop_platform.api.fields import StrictCharField


class ForecastRunPermission(BasePermission):
    """Reading needs ``demand.view_forecastrun``; starting or cancelling also
    ``demand.start_forecastrun`` (planners and managers)."""

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not user.has_perm("demand.view_forecastrun"):
            self.message = "Reading forecast runs needs permission to view them."
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = "Starting or cancelling forecast runs needs the planner or manager role."
        return user.has_perm("demand.start_forecastrun")


class ForecastScopeInput(StrictInputSerializer):
    """Natural keys; an empty or missing list means no restriction on that dimension."""

    locations = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list
    )
    categories = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list
    )


class ForecastParametersInput(StrictInputSerializer):
    """Overrides of the forecast settings; omitted ones keep their defaults."""

    horizon_periods = serializers.IntegerField(required=False)
    holdout_periods = serializers.IntegerField(required=False)
    season_length = serializers.IntegerField(required=False)
    history_periods = serializers.IntegerField(required=False)
    interval = serializers.FloatField(required=False)
    batch_size = serializers.IntegerField(required=False)


class ForecastRunStartInput(StrictInputSerializer):
    """``POST /api/v1/forecast-runs/``: a missing scope means every location in the caller's
    scope; a missing ``as_of`` this week's Monday."""

    scope = ForecastScopeInput(required=False)
    as_of = serializers.DateField(required=False, allow_null=True, default=None)
    parameters = ForecastParametersInput(required=False, default=dict)
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class ForecastRunProgressSerializer(serializers.Serializer):
    """Where a run stands (``demand.runs.selectors.forecast_run_progress``)."""

    status = serializers.CharField()
    total_batches = serializers.IntegerField()
    done_batches = serializers.IntegerField()
    running_batches = serializers.IntegerField()
    failed_batches = serializers.IntegerField()
    cancelled_batches = serializers.IntegerField()
    total_rows = serializers.IntegerField()
    done_rows = serializers.IntegerField()
    percent = serializers.FloatField()
    elapsed_seconds = serializers.FloatField(allow_null=True)
    timings = serializers.DictField(child=serializers.FloatField())


class ForecastRunSerializer(serializers.ModelSerializer):
    """A forecast run: what was asked, by whom, how it went and what came out (``summary``:
    rows per method and demand class, mean holdout MASE). ``progress`` is filled when one run
    is read or started, and null in lists (it costs a query per run)."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scope = serializers.SerializerMethodField()
    scope_description = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ForecastRun
        fields = [
            "id",
            "status",
            "trigger",
            "actor",
            "description",
            "as_of",
            "scope",
            "scope_description",
            "parameters",
            "summary",
            "algorithm_version",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "total_batches",
            "total_rows",
            "timings",
            "error",
            "progress",
        ]
        read_only_fields = fields

    def get_scope(self, run: ForecastRun) -> dict:
        return (run.scope or {}).get("labels", {})

    def get_scope_description(self, run: ForecastRun) -> str:
        return RunScope.from_json(run.scope or {}).describe()

    @extend_schema_field(ForecastRunProgressSerializer(allow_null=True))
    def get_progress(self, run: ForecastRun) -> dict | None:
        return forecast_run_progress(run) if self.context.get("progress") else None


_ERROR = OpenApiResponse(description='{"detail": message}')
_FIELD_ERRORS = OpenApiResponse(description="Errors by field name (scope, parameters, ...).")


class ForecastRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Forecast runs in the caller's scope, newest first: list, read one, start or cancel
    one."""

    permission_classes = [ForecastRunPermission]
    pagination_class = NewestFirstPagination
    parser_classes = [JSONParser]
    throttle_scope = "read"
    serializer_class = ForecastRunSerializer
    queryset = ForecastRun.objects.none()  # for the schema; get_queryset reads the selector

    def get_queryset(self):
        return forecast_runs_visible_to(user=self.request.user)

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "progress": self.action != "list"}

    @extend_schema(
        summary="Start a forecast run",
        description="Queues the run and answers 202 with it; follow it with GET "
        "/api/v1/forecast-runs/{id}/. Limits: "
        + ", ".join(f"{name} {low}–{high}" for name, (low, high, _) in LIMITS.items())
        + ". 409 when an active forecast run overlaps the scope.",
        request=ForecastRunStartInput,
        responses={202: ForecastRunSerializer, 400: _FIELD_ERRORS, 403: _ERROR, 409: _ERROR},
    )
    def create(self, request: Request) -> Response:
        given = ForecastRunStartInput(data=request.data)
        given.is_valid(raise_exception=True)
        run = _start(given.validated_data, request.user)
        run = self.get_queryset().get(pk=run.pk)  # in sync mode it has finished meanwhile
        return Response(
            self.get_serializer(run).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": self.reverse_action("detail", args=[run.pk])},
        )

    @extend_schema(
        operation_id="forecast_runs_cancel",
        summary="Cancel a forecast run",
        description="Queued batches are cancelled, running ones finish; the run ends as "
        "cancelled once they have (a run not yet planned at once). 200 with the run; 409 when "
        "it has already finished (nothing is changed).",
        request=None,
        responses={200: ForecastRunSerializer, 403: _ERROR, 409: _ERROR},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        if not run.is_active:
            raise RunConflictError(
                f"Forecast run #{run.pk} has already finished "
                f"({run.get_status_display().lower()}); there is nothing to cancel."
            )
        try:
            run = forecast_run_cancel(run, actor=request.user)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from denied
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data)


def _start(data: dict, user) -> ForecastRun:
    try:
        scope = scope_resolve(**data.get("scope", {}))
    except ScopeError as error:
        raise _field_error("scope", error) from error
    try:
        return forecast_run_start(
            scope=scope,
            actor=user,
            description=data["description"],
            as_of=data["as_of"],
            parameters=dict(data["parameters"]),
        )
    except ParameterError as error:
        name = str(error).partition(":")[0]
        section = "as_of" if name == "as_of" else "parameters"
        raise _field_error(section, error) from error
    except DjangoPermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied)) from denied
    except RunConflict as conflict:
        raise RunConflictError(str(conflict)) from conflict


def _field_error(section: str, error: ValueError) -> exceptions.ValidationError:
    """``{"parameters": {"horizon_periods": [message]}}`` (the services name the field
    first), or ``{section: [message]}`` when the field is the section itself."""
    name = str(error).partition(":")[0]
    if name and name != section and " " not in name:
        return exceptions.ValidationError({section: {name: [str(error)]}})
    return exceptions.ValidationError({section: [str(error)]})
