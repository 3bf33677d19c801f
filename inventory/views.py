"""Pages of the inventory app."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@permission_required("inventory.view_location", raise_exception=True)
def network_overview(request: HttpRequest) -> HttpResponse:
    """The network: locations by echelon, replenishment lanes and the item assortment."""
    return render(request, "inventory/network.html", {})
