"""Pages of the inventory app."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from governance.selectors import location_scope
from inventory.charts import network_figure
from inventory.selectors import items_by_lifecycle, locations_with_inbound_lanes, network_totals
from sop_platform.charts import figure_payload


@permission_required("inventory.view_location", raise_exception=True)
def network_overview(request: HttpRequest) -> HttpResponse:
    """The network in the user's scope: headline counts, locations by echelon with their lanes,
    item lifecycle."""
    scope = location_scope(user=request.user)
    locations = list(locations_with_inbound_lanes(scope=scope))
    context = {
        "totals": network_totals(scope=scope),
        "locations": locations,
        "lifecycle": items_by_lifecycle(scope=scope),
        "network_chart": figure_payload(network_figure(locations)),
    }
    return render(request, "inventory/network.html", context)
