"""``/api/v1/policy-table/``: the policy table's rows for integrations and spreadsheets, with
the page's filters (``inventory.filtersets.PolicyTableFilterSet``) and scope."""

from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission

from inventory.filtersets import PolicyTableFilterSet
from inventory.models import PolicyValues
from inventory.policy_table.selectors import (
    policy_table_rows,
    row_status,
    with_proposed_values,
)
from sop_platform.api.reads import IdCursorPagination

VIEW_POLICIES = "inventory.view_inventorypolicy"


class CanViewPolicies(BasePermission):
    """Like the page: the policies' view permission."""

    message = "Reading the policy table needs permission to view inventory policies."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm(VIEW_POLICIES)


def _quantities(source, prefix: str = "") -> dict[str, float | None]:
    return {name: getattr(source, f"{prefix}{name}") for name in PolicyValues.QUANTITIES}


class PolicyTableRowSerializer(serializers.Serializer):
    """One SKU-location: the policy in force, the newest recommendation, the proposal."""

    recommendation = serializers.IntegerField(source="pk", read_only=True)
    run = serializers.IntegerField(source="run_id", read_only=True)
    sku = serializers.CharField(source="item.sku", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)
    segment = serializers.CharField(read_only=True)
    demand_pattern = serializers.CharField(read_only=True)
    service_target = serializers.FloatField(read_only=True, allow_null=True)
    service_type = serializers.CharField(read_only=True)
    expected_service = serializers.FloatField(read_only=True, allow_null=True)
    active = serializers.SerializerMethodField()
    recommended = serializers.SerializerMethodField()
    proposed = serializers.SerializerMethodField()
    safety_stock_change_units = serializers.FloatField(
        source="change_units", read_only=True, allow_null=True
    )
    average_stock_value_change = serializers.FloatField(
        source="change_value", read_only=True, allow_null=True
    )
    stockout_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    excess_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    data_quality_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    status = serializers.SerializerMethodField()

    def get_active(self, row) -> dict[str, float] | None:
        return None if row.policy is None else _quantities(row.policy)

    def get_recommended(self, row) -> dict[str, float | None]:
        return _quantities(row)

    def get_proposed(self, row) -> dict[str, float] | None:
        return _quantities(row, "proposed_") if row.proposed else None

    def get_status(self, row) -> str:
        return row_status(row)


class PolicyTableViewSet(viewsets.ReadOnlyModelViewSet):
    """Every SKU-location at the caller's locations, filtered as on the Policies page."""

    serializer_class = PolicyTableRowSerializer
    filterset_class = PolicyTableFilterSet
    permission_classes = [CanViewPolicies]
    pagination_class = IdCursorPagination
    throttle_scope = "read"

    def get_queryset(self):
        return with_proposed_values(policy_table_rows(user=self.request.user))
