"""Pages of the governance app."""

from django.urls import path

from governance import views
from governance.inbox import views as inbox_views

app_name = "governance"

urlpatterns = [
    path("exceptions/", inbox_views.inbox, name="exceptions"),
    path("exceptions/bulk/", inbox_views.inbox_bulk, name="exceptions-bulk"),
    path("audit/", views.audit, name="audit"),
    path("audit/csv/", views.audit_csv, name="audit-csv"),
]
