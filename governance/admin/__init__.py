"""The governance admin: exceptions and their rules, the escalation rules, the approvers'
pending proposals, the publications, the KPI inputs, settings and snapshots; and the
location-scope mixin every admin of located rows uses."""

from governance.admin import (  # noqa: F401 (registers them)
    escalations,
    exceptions,
    kpis,
    proposals,
    publications,
)
from governance.admin.common import (
    COMPARED,
    POLICY_QUANTITY_COLUMNS,
    LocationScopedAdmin,
    scoped_location_filter,
)

__all__ = ["COMPARED", "POLICY_QUANTITY_COLUMNS", "LocationScopedAdmin", "scoped_location_filter"]
