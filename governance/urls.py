"""Pages of the governance app."""

from django.urls import path

from governance import views
from governance.inbox import views as inbox_views
from governance.kpis import views as kpi_views
from governance.sop import scorecard_views
from governance.sop import views as sop_views
from governance.sop.diagnostic import views as diagnostic_views

app_name = "governance"

urlpatterns = [
    path("", sop_views.home, name="home"),
    path("exceptions/", inbox_views.inbox, name="exceptions"),
    path("exceptions/bulk/", inbox_views.inbox_bulk, name="exceptions-bulk"),
    path("audit/", views.audit, name="audit"),
    path("audit/csv/", views.audit_csv, name="audit-csv"),
    path("kpis/", kpi_views.kpis, name="kpis"),
    path("kpis/refresh/", kpi_views.kpi_refresh, name="kpi-refresh"),
    path("kpis/refreshes/<int:pk>/", kpi_views.kpi_refresh_status, name="kpi-refresh-status"),
    path("sop/<int:pk>/checks/<int:number>/", diagnostic_views.check_answer, name="sop-check"),
    path("sop/", sop_views.cycles, name="sop"),
    path("sop/open/", sop_views.cycle_open, name="sop-open"),
    path("sop/<int:pk>/", sop_views.cycle_detail, name="sop-cycle"),
    path("sop/<int:pk>/sign-off/", sop_views.cycle_sign_off, name="sop-sign-off"),
    path("sop/<int:pk>/close/", sop_views.cycle_close, name="sop-close"),
    path("scorecard/", scorecard_views.scorecard, name="scorecard"),
    path("scorecard/<int:pk>/", scorecard_views.scorecard, name="scorecard-cycle"),
    path("scorecard/<int:pk>/pdf/", scorecard_views.scorecard_pdf, name="scorecard-pdf"),
    path(
        "scorecard/<int:pk>/areas/<int:area_pk>/",
        scorecard_views.scorecard_area_edit,
        name="scorecard-area",
    ),
]
