"""Endpoints of the governance app under /api/v1/."""

from rest_framework.routers import SimpleRouter

from governance.api.views import PlanningExceptionViewSet
from governance.api.workflow import PolicyProposalViewSet, PublicationBatchViewSet

router = SimpleRouter()
router.register("exceptions", PlanningExceptionViewSet, basename="exception")
router.register("proposals", PolicyProposalViewSet, basename="proposal")
router.register("publications", PublicationBatchViewSet, basename="publication")
urlpatterns = router.urls
