"""DRF permission classes; the rules themselves live in governance.selectors."""

from rest_framework.permissions import BasePermission

from governance.selectors import user_can_load_data


class CanLoadData(BasePermission):
    """Only the integration and admin roles may load data."""

    message = "Loading data needs the integration or admin role."

    def has_permission(self, request, view) -> bool:
        return user_can_load_data(user=request.user)
