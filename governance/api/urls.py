"""Endpoints of the governance app under /api/v1/."""

from rest_framework.routers import SimpleRouter

from governance.api.views import PlanningExceptionViewSet

router = SimpleRouter()
router.register("exceptions", PlanningExceptionViewSet, basename="exception")
urlpatterns = router.urls
