"""The navigation bar: each capability adds its area here when it ships its pages."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    """One link of the navigation bar; ``permission`` hides it from users who lack it."""

    label: str
    url_name: str
    permission: str | None = None


NAVIGATION: list[NavEntry] = [
    NavEntry("Network", "inventory:network", "inventory.view_location"),
    NavEntry("Policies", "inventory:policies", "inventory.view_inventorypolicy"),
    NavEntry("Exceptions", "governance:exceptions", "governance.view_planningexception"),
    NavEntry("Orders", "inventory:orders", "inventory.view_policyrecommendation"),
    NavEntry("Runs", "inventory:runs", "inventory.view_policyrun"),
    NavEntry("Forecasts", "demand:accuracy", "demand.view_forecast"),
    NavEntry("Operations", "inventory:runs-operations", "inventory.view_policyrun"),
    NavEntry("Audit", "governance:audit", "inventory.view_inventorypolicy"),
    NavEntry("KPIs", "governance:kpis", "governance.view_kpisnapshot"),
    NavEntry("Scorecard", "governance:scorecard", "governance.view_sopcycle"),
    NavEntry("S&OP", "governance:sop", "governance.view_sopcycle"),
]
