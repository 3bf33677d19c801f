"""``/api/v1/runs/``: start, follow and cancel optimization runs; ``/api/v1/recommendations/``.

Starting goes through ``policy_run_start`` like every other interface; the view only turns
the JSON into a scope and the service's errors into HTTP answers: 400 naming the field for
a bad scope or parameter, 409 for an overlapping active run.
"""

import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.serializers import StrictInputSerializer
from inventory import filtersets
from inventory.choices import RunTrigger
from inventory.models import PolicyRecommendation, PolicyRun
from inventory.runs.parameters import (
    DEMAND_MODELS,
    INTEGER_PARAMETERS,
    PARAMETER_LIMITS,
    SERVICE_MODES,
    ParameterError,
)
from inventory.runs.scope import RunScope, ScopeError, scope_resolve
from inventory.runs.selectors import run_log_entries, run_progress, runs_with_totals
from inventory.runs.services import RunConflict, policy_run_cancel, policy_run_start
from sop_platform.api.fields import StrictCharField
from sop_platform.api.reads import StrictPageSizeMixin, natural_key_serializer, read_viewset


class RunPermission(BasePermission):
    """Reading runs needs ``inventory.view_policyrun``; starting or cancelling one also
    ``inventory.start_policyrun`` (planners and managers, see governance.services)."""

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not user.has_perm("inventory.view_policyrun"):
            self.message = "Reading optimization runs needs permission to view them."
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = "Starting or cancelling runs needs the planner or manager role."
        return user.has_perm("inventory.start_policyrun")


class RunConflictError(exceptions.APIException):
    """409: an active run already covers some of the SKU-locations."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class NewestFirstPagination(StrictPageSizeMixin, CursorPagination):
    """Newest runs first, 50 a page (up to 500)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


# --- Input ----------------------------------------------------------------------------------


class ScopeInput(StrictInputSerializer):
    """Natural keys; an empty or missing list means no restriction on that dimension."""

    locations = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list
    )
    categories = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list
    )
    segments = serializers.ListField(
        child=serializers.CharField(max_length=8),
        required=False,
        default=list,
        help_text="ABC-XYZ classes, e.g. AX, BY.",
    )
    sku_locations = serializers.ListField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=64), min_length=2, max_length=2
        ),
        required=False,
        default=list,
        help_text='Pairs of [SKU, location code], e.g. [["SKU-1", "DC-1"]].',
    )


def _parameters_schema() -> dict:
    """The run parameters a caller may override, with their types and limits."""
    properties: dict = {
        "as_of": {"type": "string", "format": "date"},
        "demand_model": {"type": "string", "enum": list(DEMAND_MODELS)},
        "calibrate": {"type": "boolean"},
        "service_mode": {"type": "string", "enum": list(SERVICE_MODES)},
        "budget": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        "service_band": {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMaximum": True},
    }
    for name in ("aggregate_fill", "min_service", "max_service"):  # OpenAPI 3.0: flags
        properties[name] = {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "exclusiveMinimum": True,
            "exclusiveMaximum": True,
        }
    for name, (low, high) in PARAMETER_LIMITS.items():
        kind = "integer" if name in INTEGER_PARAMETERS else "number"
        properties[name] = {"type": kind, "minimum": low, "maximum": high}
    return {"type": "object", "properties": properties, "additionalProperties": False}


NON_NUMBERS = {  # parameter: (JSON type, what the error calls it)
    "as_of": (str, "a date (YYYY-MM-DD)"),
    "demand_model": (str, "a string"),
    "calibrate": (bool, "true or false"),
    "service_mode": (str, "a string"),
}


@extend_schema_field(_parameters_schema())
class ParametersField(serializers.DictField):
    """Run parameter overrides: numbers as JSON numbers, ``as_of`` as a date string,
    ``demand_model`` and ``service_mode`` as strings, ``calibrate`` as a boolean (names,
    limits and choices are the service's to check)."""

    def to_internal_value(self, data) -> dict:
        data = super().to_internal_value(data)
        for name, value in data.items():
            expected, kind = NON_NUMBERS.get(name, ((int, float), "a number"))
            fits = isinstance(value, expected) and value != ""
            if expected is not bool and isinstance(value, bool):
                fits = False  # JSON true is no number
            if not fits:
                raise serializers.ValidationError(
                    {name: [f"{kind.capitalize()} is expected: this is not {kind}."]}
                )
        return data


class RunStartInput(StrictInputSerializer):
    """``POST /api/v1/runs/``: a missing scope means the whole network."""

    scope = ScopeInput(required=False)
    parameters = ParametersField(
        required=False,
        default=dict,
        help_text='Overrides of the run parameters by name, e.g. {"holding_rate": 0.2}.',
    )
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class LogQuery(serializers.Serializer):
    """``GET /api/v1/runs/{id}/log/`` query: lines with an id above ``after``."""

    after = serializers.IntegerField(min_value=0, required=False, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=5000, required=False, default=500)


# --- Output ---------------------------------------------------------------------------------


class RunPassSerializer(serializers.Serializer):
    """One pass of a run with optimized service levels."""

    number = serializers.IntegerField()
    label = serializers.CharField()
    done_batches = serializers.IntegerField()
    total_batches = serializers.IntegerField()


class RunProgressSerializer(serializers.Serializer):
    """Where a run stands (``inventory.runs.selectors.run_progress``)."""

    status = serializers.CharField()
    total_batches = serializers.IntegerField()
    done_batches = serializers.IntegerField()
    running_batches = serializers.IntegerField()
    failed_batches = serializers.IntegerField()
    cancelled_batches = serializers.IntegerField()
    total_rows = serializers.IntegerField()
    done_rows = serializers.IntegerField()
    recommendations = serializers.IntegerField()
    exceptions = serializers.IntegerField()
    percent = serializers.FloatField()
    elapsed_seconds = serializers.FloatField(allow_null=True)
    timings = serializers.DictField(child=serializers.FloatField())
    passes = RunPassSerializer(many=True, help_text="Optimized service levels: both passes.")


class RunSerializer(serializers.ModelSerializer):
    """A run: what was asked, by whom, how it went. The totals (batches done, percent,
    recommendations, exceptions) come with every run; the full ``progress`` is filled when one
    run is read, started or cancelled, and null in lists (it costs a query per run)."""

    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scope = serializers.SerializerMethodField()
    scope_description = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    done_batches = serializers.IntegerField(read_only=True)
    percent = serializers.FloatField(read_only=True)
    recommendations = serializers.IntegerField(source="recommendation_count", read_only=True)
    exceptions = serializers.IntegerField(source="exception_count", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = PolicyRun
        fields = [
            "id",
            "status",
            "trigger",
            "actor",
            "description",
            "scope",
            "scope_description",
            "parameters",
            "snapshot",
            "algorithm_version",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "total_batches",
            "total_rows",
            "done_batches",
            "percent",
            "recommendations",
            "exceptions",
            "timings",
            "cancel_requested",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="The scope as given: locations, categories, segments, sku_locations "
            '("SKU@LOC"); a missing dimension is unrestricted.',
        )
    )
    def get_scope(self, run: PolicyRun) -> dict:
        return (run.scope or {}).get("labels", {})

    def get_scope_description(self, run: PolicyRun) -> str:
        return RunScope.from_json(run.scope or {}).describe()

    @extend_schema_field(RunProgressSerializer(allow_null=True))
    def get_progress(self, run: PolicyRun) -> dict | None:
        return run_progress(run) if self.context.get("progress") else None


class RunLogEntrySerializer(serializers.Serializer):
    """One log line; ``batch`` is the batch number, null for run-wide lines."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    level = serializers.CharField()
    batch = serializers.IntegerField(source="batch_number", allow_null=True)
    message = serializers.CharField()


class RunLogPageSerializer(serializers.Serializer):
    """Log lines after ``after``; poll again with the returned ``after``."""

    results = RunLogEntrySerializer(many=True)
    after = serializers.IntegerField(help_text="Pass as ?after= to get the next lines.")
    more = serializers.BooleanField(help_text="More lines are already waiting.")


_ERROR = OpenApiResponse(description='{"detail": message}')
_FIELD_ERRORS = OpenApiResponse(description="Errors by field name (scope, parameters, ...).")
_FIELD = re.compile(r"[A-Za-z_]+")


def _field_error(section: str, error: ValueError, fields) -> exceptions.ValidationError:
    """A service error as DRF's field errors: ``{"scope": {"locations": [message]}}`` when the
    message starts with one of ``fields`` (the services name the field first), else flat."""
    message = str(error)
    match = _FIELD.match(message)
    name = match.group() if match else ""
    if name in fields and name != section:
        return exceptions.ValidationError({section: {name: [message]}})
    return exceptions.ValidationError({section: [message]})


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Optimization runs, newest first: list, read one with its progress, start, cancel and
    follow its log."""

    permission_classes = [RunPermission]
    filterset_class = filtersets.PolicyRunFilterSet
    pagination_class = NewestFirstPagination
    parser_classes = [JSONParser]
    throttle_scope = "read"
    serializer_class = RunSerializer
    queryset = PolicyRun.objects.none()  # for the schema; get_queryset reads the selector

    def get_queryset(self):
        return runs_with_totals()

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "progress": self.action != "list"}

    @extend_schema(
        summary="Start an optimization run",
        description="Queues the run and answers 202 with it; follow it with GET "
        "/api/v1/runs/{id}/ and /log/. A missing scope, or empty lists, mean the whole "
        "network; unknown keys are rejected. 409 when an active run overlaps the scope.",
        request=RunStartInput,
        responses={202: RunSerializer, 400: _FIELD_ERRORS, 403: _ERROR, 409: _ERROR},
    )
    def create(self, request: Request) -> Response:
        given = RunStartInput(data=request.data)
        given.is_valid(raise_exception=True)
        run = _start(given.validated_data, request.user)
        run = runs_with_totals().get(pk=run.pk)  # in sync mode the run has finished meanwhile
        location = self.reverse_action("detail", args=[run.pk])
        return Response(
            self.get_serializer(run).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )

    @extend_schema(
        operation_id="runs_cancel",
        summary="Cancel a run",
        description="Queued batches are cancelled, running ones finish; the run ends as "
        "cancelled once they have. 200 with the run; 409 when the run has already finished "
        "(nothing is changed).",
        request=None,
        responses={200: RunSerializer, 403: _ERROR, 409: _ERROR},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        if not run.is_active:
            raise RunConflictError(
                f"Run #{run.pk} has already finished ({run.get_status_display().lower()}); "
                "there is nothing to cancel."
            )
        try:
            run = policy_run_cancel(run, actor=request.user)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from denied
        return Response(self.get_serializer(runs_with_totals().get(pk=run.pk)).data)

    @extend_schema(
        operation_id="runs_log",
        summary="A run's log lines",
        description="Lines with an id above ?after=, oldest first, at most ?limit= of them.",
        parameters=[LogQuery],
        responses={200: RunLogPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def log(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        query = LogQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        lines = list(run_log_entries(run, after=after)[: limit + 1])
        page = lines[:limit]
        return Response(
            RunLogPageSerializer(
                {
                    "results": page,
                    "after": page[-1].pk if page else after,
                    "more": len(lines) > limit,
                }
            ).data
        )


def _start(data: dict, user: AbstractBaseUser) -> PolicyRun:
    scope_data = data.get("scope") or {}
    try:
        scope = scope_resolve(**scope_data)
    except ScopeError as error:
        raise _field_error("scope", error, ScopeInput().fields) from error
    try:
        return policy_run_start(
            scope=scope,
            parameters=data["parameters"],
            actor=user,
            trigger=RunTrigger.USER,
            description=data["description"],
        )
    except ParameterError as error:
        raise _field_error("parameters", error, data["parameters"]) from error
    except DjangoPermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied)) from denied
    except RunConflict as conflict:
        raise RunConflictError(str(conflict)) from conflict


RECOMMENDATION_FIELDS = [
    "id",
    "run",
    "batch_number",
    "item",
    "location",
    "segment",
    "service_class",
    "service_target",
    "service_type",
    "demand_mean",
    "demand_sd",
    "demand_sd_source",
    "demand_periods",
    "capped_periods",
    "demand_pattern",
    "lead_time_mean",
    "lead_time_sd",
    "lead_time_basis",
    "distribution",
    "safety_stock",
    "reorder_point",
    "order_quantity",
    "min_level",
    "max_level",
    "expected_service",
    "inventory_position",
    "recommended_qty",
    "binding_constraint",
    "current_safety_stock",
    "current_reorder_point",
    "safety_stock_change",
    "stockout_reasons",
    "excess_reasons",
    "data_quality_reasons",
    "blocked",
]

RecommendationViewSet = read_viewset(
    PolicyRecommendation.objects.select_related("item", "location"),
    natural_key_serializer(
        PolicyRecommendation, RECOMMENDATION_FIELDS, {"item": "sku", "location": "code"}
    ),
    filtersets.PolicyRecommendationFilterSet,
    "location",
)
