"""The governance admin: exceptions and their rules, the approvers' pending proposals, the
publications; and the location-scope mixin every admin of located rows uses."""

from governance.admin import exceptions, proposals, publications  # noqa: F401 (registers them)
from governance.admin.common import (
    COMPARED,
    POLICY_QUANTITY_COLUMNS,
    LocationScopedAdmin,
    scoped_location_filter,
)

__all__ = ["COMPARED", "POLICY_QUANTITY_COLUMNS", "LocationScopedAdmin", "scoped_location_filter"]
