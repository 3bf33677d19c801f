"""``/api/v1/promotions/``: the promotions calendar — read (the caller's locations and the
promotions of every location) and ``bulk/`` loads from the ERP or marketing, upserted by
(item, location, start) through demand.consensus.promotions, each change audited."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from demand.consensus.filtersets import PromotionFilterSet
from demand.consensus.promotions import PROMOTIONS, promotions_load
from demand.consensus.selectors import promotions_in_scope
from demand.models import Promotion
from sop_platform.api.bulk import (  # the generic bulk view's parts, reused as they are
    _REJECTED,
    _REPORT,
    _TOO_BIG,
    _UNSUPPORTED,
    BulkLoadView,
    _flag,
    _payload,
    _row_serializer,
    _too_big,
)
from sop_platform.api.reads import natural_key_serializer, read_viewset
from sop_platform.bulk.parsing import BulkInputError

FIELDS = ["id", "item", "location", "start", "end", "uplift", "description", "created_at"]


class PromotionLoadView(BulkLoadView):
    """Loads promotions like every bulk resource (same body, flags and report), but through
    the model, so that each created or changed promotion is audited."""

    resource = PROMOTIONS

    @extend_schema(
        operation_id="promotions_bulk_load",
        summary="Load promotions (upsert by item, location, start)",
        description=PROMOTIONS.description + " A blank location: every location.",
        tags=["bulk loads"],
        request={
            "application/json": _row_serializer(PROMOTIONS),
            "text/csv": {"type": "string", "format": "binary"},
        },
        responses={200: _REPORT, 400: _REJECTED, 413: _TOO_BIG, 415: _UNSUPPORTED},
    )
    def post(self, request: Request) -> Response:
        too_big = _too_big(request)
        if too_big:
            return too_big
        try:
            body, content_type = _payload(request)
            report = promotions_load(
                user=request.user,
                body=body,
                content_type=content_type,
                partial=_flag(request, "partial"),
                dry_run=_flag(request, "dry_run"),
            )
        except BulkInputError as error:
            return Response({"detail": str(error)}, status=error.status, headers=error.headers)
        answer = status.HTTP_200_OK if report.ok or report.partial else status.HTTP_400_BAD_REQUEST
        return Response(report.as_dict(), status=answer)


_Read = read_viewset(
    Promotion.objects.all(),
    natural_key_serializer(Promotion, FIELDS, {"item": "sku", "location": "code"}),
    PromotionFilterSet,
)


class PromotionReadViewSet(_Read):
    """Read promotions at the caller's locations and those of every location (no location)."""

    def get_queryset(self):
        return promotions_in_scope(user=self.request.user)
