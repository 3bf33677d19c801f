"""Endpoints of the governance app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance import filtersets
from governance.api.kpis import KpiView
from governance.api.views import PlanningExceptionViewSet
from governance.api.workflow import PolicyProposalViewSet, PublicationBatchViewSet
from governance.kpis.models import Expedite, WriteOff
from inventory.api.urls import PROVENANCE
from sop_platform.api.reads import natural_key_serializer, read_viewset

AT = {"item": "sku", "location": "code"}


def _loaded(model, filterset, columns: list[str]):
    """The read endpoint of a bulk-loaded KPI input: references by natural key, filtered,
    limited to the caller's locations."""
    fields = ["reference", *AT, *columns, "reason", *PROVENANCE]
    return read_viewset(
        model.objects.select_related("item", "location"),
        natural_key_serializer(model, fields, AT),
        filterset,
        "location",
    )


router = SimpleRouter()
router.register("exceptions", PlanningExceptionViewSet, basename="exception")
router.register("proposals", PolicyProposalViewSet, basename="proposal")
router.register("publications", PublicationBatchViewSet, basename="publication")
router.register(
    "expedites",
    _loaded(Expedite, filtersets.ExpediteFilterSet, ["expedite_date", "quantity", "cost"]),
    basename="expedite",
)
router.register(
    "write-offs",
    _loaded(WriteOff, filtersets.WriteOffFilterSet, ["write_off_date", "quantity", "value"]),
    basename="write-off",
)
urlpatterns = [*router.urls, path("kpis/", KpiView.as_view(), name="kpis")]
