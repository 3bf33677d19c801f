"""Pages of the governance app."""

from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("audit/csv/", views.audit_csv, name="audit-csv"),
]
