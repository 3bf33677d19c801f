"""The SKU-location page: every number of one SKU-location's policy, explained."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from inventory.sku_location.page import sku_location_context
from inventory.sku_location.selectors import item_of, location_in_scope

VIEW_POLICIES = "inventory.view_inventorypolicy"


@require_GET
@permission_required(VIEW_POLICIES, raise_exception=True)
def sku_location(request: HttpRequest, item_pk: int, location_pk: int) -> HttpResponse:
    """One SKU-location: its recommendation explained, its demand, projection, lanes,
    exceptions and audit trail. 404 for an unknown item or a location outside the scope."""
    location = get_object_or_404(location_in_scope(user=request.user, location_pk=location_pk))
    item = get_object_or_404(item_of(item_pk=item_pk))
    context = sku_location_context(user=request.user, item=item, location=location)
    return render(request, "inventory/sku_location.html", context)
