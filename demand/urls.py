"""Pages of the demand app: forecast runs, forecast accuracy, the consensus plan."""

from django.urls import path  # noqa: F401  (each capability adds its pages below)

app_name = "demand"

urlpatterns: list = []
