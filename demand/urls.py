"""Pages of the demand app: forecast runs, forecast accuracy, the consensus plan."""

from django.urls import path  # each capability adds its pages below

from demand.accuracy import views as accuracy_views
from demand.consensus import views as consensus_views
from demand.runs import views as run_views

app_name = "demand"

urlpatterns: list = [
    path("forecasts/runs/", run_views.run_list, name="runs"),
    path("forecasts/runs/<int:pk>/", run_views.run_detail, name="run"),
    path("forecasts/runs/<int:pk>/progress/", run_views.run_progress_json, name="run-progress"),
    path("forecasts/runs/<int:pk>/cancel/", run_views.run_cancel, name="run-cancel"),
    path("forecasts/accuracy/", accuracy_views.accuracy, name="accuracy"),
    path("forecasts/overrides/", consensus_views.overrides, name="overrides"),
    path("forecasts/<int:item>/<int:location>/", consensus_views.plan, name="plan"),
    path(
        "forecasts/<int:item>/<int:location>/preview/",
        consensus_views.preview,
        name="plan-preview",
    ),
]
