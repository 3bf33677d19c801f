"""Admin of the consensus plan: overrides (read-only; approved through the service, rejected
with a comment on the approvals page), promotions (audited) and the one row of settings."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from demand.consensus.selectors import promotions_in_scope
from demand.consensus.services import DECIDE, OverrideConflict, override_decide
from demand.models import ForecastOverride, ForecastSettings, Promotion
from governance.admin import LocationScopedAdmin, scoped_location_filter
from sop_platform.admin import ReadOnlyHistoryAdmin

SETTINGS_PK = 1  # the row demand.consensus.selectors.forecast_settings reads


@admin.register(ForecastOverride)
class ForecastOverrideAdmin(LocationScopedAdmin, ReadOnlyHistoryAdmin):
    """Overrides with their history; made on the plan pages and the API, decided through
    demand.consensus.services (the approve action here, or the approvals page)."""

    list_display = [
        "pk",
        "item",
        "location",
        "period_start",
        "baseline",
        "quantity",
        "status",
        "created_by",
        "created_at",
        "decided_by",
    ]
    list_select_related = ["item", "location", "created_by", "decided_by"]
    list_filter = ["status", "needs_approval", scoped_location_filter()]
    search_fields = ["item__sku", "location__code", "rationale"]
    show_full_result_count = False
    actions = ["approve_selected"]

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE)

    @admin.action(description="Approve selected overrides", permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        approved = 0
        for override in queryset.order_by("pk"):
            try:
                override_decide(user=request.user, override=override, approve=True)
            except (OverrideConflict, PermissionDenied, ValidationError) as refusal:
                self.message_user(request, f"#{override.pk}: {refusal}", messages.WARNING)
            else:
                approved += 1
        self.message_user(request, f"Approved {approved:,}.", messages.SUCCESS)


@admin.register(Promotion)
class PromotionAdmin(LocationScopedAdmin, SimpleHistoryAdmin):
    """Promotions at the user's locations and of every location, each change audited."""

    list_display = ["item", "location", "start", "end", "uplift", "description"]
    list_select_related = ["item", "location"]
    list_filter = [scoped_location_filter()]
    search_fields = ["item__sku", "description"]
    raw_id_fields = ["item"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "start"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return promotions_in_scope(user=request.user)

    def save_model(self, request: HttpRequest, obj: Promotion, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ForecastSettings)
class ForecastSettingsAdmin(SimpleHistoryAdmin):
    """One row (seeded): changed with its history, never added twice nor deleted."""

    list_display = ["__str__", "horizon_periods", "override_tolerance", "bias_limit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not ForecastSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ForecastSettings, form, change: bool) -> None:
        obj.pk = SETTINGS_PK
        super().save_model(request, obj, form, change)
