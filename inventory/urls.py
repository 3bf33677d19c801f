"""Pages of the inventory app."""

from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.network_overview, name="network"),
]
