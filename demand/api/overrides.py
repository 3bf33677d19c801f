"""``/api/v1/forecast-overrides/``: the consensus plan's overrides for integrations and
scripts — list (the caller's locations), submit, approve or reject — through the same
services as the pages (demand.consensus.services).

Errors: a refused permission or scope is a 403, a value that fails a check a 400 naming the
field, a decision on an override changed or decided meanwhile a 409.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from demand.consensus.filtersets import ForecastOverrideFilterSet
from demand.consensus.services import OverrideConflict, override_decide, override_submit
from demand.models import ForecastOverride
from governance.api.serializers import StrictBooleanField, StrictInputSerializer
from governance.api.workflow import _CONFLICT, _ERRORS, Conflict, _serviced, _valid
from inventory.models import Item, Location
from sop_platform.api.fields import StrictCharField
from sop_platform.api.reads import IdCursorPagination, ScopedReadViewSet, ViewPermission

VERSION = {"min_value": 1, "max_value": 2_147_483_647}


class ForecastOverrideSerializer(serializers.ModelSerializer):
    """An override as read: item and location by natural key, people by username."""

    item = serializers.SlugRelatedField(slug_field="sku", read_only=True)
    location = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ForecastOverride
        fields = [
            "id",
            "item",
            "location",
            "period_start",
            "quantity",
            "baseline",
            "rationale",
            "status",
            "needs_approval",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "version",
        ]
        read_only_fields = fields


class OverrideSubmitSerializer(StrictInputSerializer):
    """``POST /api/v1/forecast-overrides/``: one period's consensus quantity and why."""

    item = serializers.SlugRelatedField(slug_field="sku", queryset=Item.objects.all())
    location = serializers.SlugRelatedField(slug_field="code", queryset=Location.objects.all())
    period_start = serializers.DateField()
    quantity = serializers.FloatField()
    rationale = StrictCharField(required=False, allow_blank=True, max_length=5000)
    base_version = serializers.IntegerField(
        required=False,
        help_text="The version of the period's pending override you read (409 if it changed).",
        **VERSION,
    )


class OverrideDecisionSerializer(StrictInputSerializer):
    """``POST .../{id}/decide/``: approve (true) or reject (false, with a comment)."""

    approve = StrictBooleanField()
    comment = StrictCharField(required=False, allow_blank=True, max_length=5000)
    version = serializers.IntegerField(
        required=False, help_text="The version you read (409 if it changed).", **VERSION
    )


class ForecastOverrideViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Overrides at the caller's locations; submit (planners, managers); decide (managers,
    never their own)."""

    queryset = ForecastOverride.objects.select_related(
        "item", "location", "created_by", "decided_by"
    )
    serializer_class = ForecastOverrideSerializer
    filterset_class = ForecastOverrideFilterSet
    permission_classes = [ViewPermission]
    pagination_class = IdCursorPagination
    location_path = "location"
    throttle_scope = "read"
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Override one forecast period, with a rationale",
        request=OverrideSubmitSerializer,
        responses={201: ForecastOverrideSerializer, **_ERRORS, **_CONFLICT},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        given = {"rationale": ""} | _valid(OverrideSubmitSerializer, request)
        override = _answer(lambda: override_submit(user=request.user, **given))
        data = ForecastOverrideSerializer(override).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve or reject an override awaiting approval",
        request=OverrideDecisionSerializer,
        responses={200: ForecastOverrideSerializer, **_ERRORS, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        override = self.get_object()
        given = _valid(OverrideDecisionSerializer, request)
        decided = _answer(lambda: override_decide(user=request.user, override=override, **given))
        return Response(ForecastOverrideSerializer(decided).data)


def _answer(call):
    """The service's answer, its refusals as the API's errors (a conflict is a 409)."""
    try:
        return _serviced(call)
    except OverrideConflict as conflict:
        raise Conflict(str(conflict)) from conflict
