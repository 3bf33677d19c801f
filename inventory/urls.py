"""Pages of the inventory app."""

from django.urls import path

from inventory import views
from inventory.orders import views as order_views
from inventory.policy_table import views as policy_views
from inventory.runs import output_views, propose_views
from inventory.runs import views as run_views
from inventory.sku_location import views as sku_location_views

app_name = "inventory"

urlpatterns = [
    path("network/", views.network_overview, name="network"),
    path("policies/", policy_views.policy_table, name="policies"),
    path("policies/export/<str:fmt>/", policy_views.policy_table_export, name="policies-export"),
    path("policies/propose/", policy_views.policy_table_propose, name="policies-propose"),
    path(
        "sku-locations/<int:item_pk>/<int:location_pk>/",
        sku_location_views.sku_location,
        name="sku-location",
    ),
    path("orders/", order_views.orders, name="orders"),
    path("orders/export/<str:fmt>/", order_views.orders_export, name="orders-export"),
    path("runs/", run_views.run_list, name="runs"),
    path("runs/operations/", run_views.operations, name="runs-operations"),
    path("runs/<int:pk>/", run_views.run_detail, name="run-detail"),
    path("runs/<int:pk>/progress/", run_views.run_progress_json, name="run-progress"),
    path("runs/<int:pk>/cancel/", run_views.run_cancel, name="run-cancel"),
    path(
        "runs/<int:pk>/recommendations/",
        output_views.run_recommendations,
        name="run-recommendations",
    ),
    path(
        "runs/<int:pk>/recommendations/csv/",
        output_views.run_recommendations_csv,
        name="run-recommendations-csv",
    ),
    path(
        "runs/<int:pk>/recommendations/<int:rec_pk>/propose/",
        propose_views.recommendation_propose,
        name="run-recommendation-propose",
    ),
    path(
        "runs/<int:pk>/recommendations/accept-all/",
        propose_views.run_accept_all,
        name="run-accept-all",
    ),
    path("runs/<int:pk>/exceptions/", output_views.run_exceptions, name="run-exceptions"),
    path(
        "runs/<int:pk>/exceptions/<int:exception_pk>/",
        output_views.run_exception_update,
        name="run-exception-update",
    ),
]
