"""KPI snapshots (additive components per week and cell) and the KPI inputs the ERP does not
send: expedites and write-offs."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.choices import KpiRefreshStatus
from sop_platform.constraints import non_negative
from sop_platform.provenance import LoadedRecord

COMPONENTS = (
    "demand_units",
    "shipped_units",
    "backorder_units",
    "on_hand_units",
    "inventory_value",
    "in_transit_value",
    "cogs_value",
    "sales_value",
    "carrying_cost",
    "excess_value",
    "obsolete_value",
    "expedite_cost",
    "write_off_value",
    "forecast_units",
    "forecast_actual_units",
    "forecast_abs_error",
    "forecast_ape_sum",
)
"""The float components of a snapshot; every KPI is a ratio or sum of these and the counts
(governance.kpis.definitions). All are additive, so any roll-up is a sum."""

COUNTS = (
    "sku_locations",
    "demand_periods",
    "filled_periods",
    "stockout_periods",
    "expedite_count",
    "forecast_ape_rows",
)


def _component(help_text: str) -> models.FloatField:
    return models.FloatField(default=0, help_text=help_text)


def _count(help_text: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0, help_text=help_text)


class KpiSnapshot(models.Model):
    """The additive components of the inventory KPIs of one week for one cell (location x
    category x segment), computed from positions, demand, receipts, forecasts, expedites and
    write-offs (governance.kpis.services). Values in units or currency at unit cost (sales at
    unit price). A roll-up to any dimension is a sum of cells; a KPI is computed from the sums.
    """

    period_start = models.DateField(help_text="Monday of the week.")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=80, blank=True)
    segment = models.CharField(
        max_length=2, blank=True, help_text="ABC-XYZ class of the SKU-location ('' if none)."
    )
    sku_locations = _count("SKU-locations with a stock position in the week.")
    demand_periods = _count("SKU-locations with demand in the week.")
    filled_periods = _count("...of which all demand was shipped from stock.")
    stockout_periods = _count("...of which the week opened with no stock on hand.")
    expedite_count = _count("Expedites recorded in the week.")
    forecast_ape_rows = _count("SKU-locations with a forecast and demand above zero.")
    demand_units = _component("Units demanded.")
    shipped_units = _component("Units shipped from stock: min(demand, opening stock + receipts).")
    backorder_units = _component("Units on backorder at the position's date.")
    on_hand_units = _component("Units on hand (negative stock counted as zero).")
    inventory_value = _component("On hand at unit cost.")
    in_transit_value = _component("In transit at unit cost.")
    cogs_value = _component("Shipped units at unit cost.")
    sales_value = _component("Shipped units at unit price (unit cost where no price).")
    carrying_cost = _component("Inventory value x carrying rate for one week.")
    excess_value = _component("On hand above the policy's max (or the cover limit) at cost.")
    obsolete_value = _component("On hand with no demand or forecast over the obsolete window.")
    expedite_cost = _component("Cost of the week's expedites.")
    write_off_value = _component("Value written off in the week.")
    forecast_units = _component("Forecast (lag 1) where a forecast exists.")
    forecast_actual_units = _component("Demand where a forecast exists.")
    forecast_abs_error = _component("Sum of |forecast - demand|.")
    forecast_ape_sum = _component("Sum of |forecast - demand| / demand where demand > 0.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["period_start", "location", "category", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "location", "category", "segment"],
                name="kpisnapshot_one_per_cell",
            ),
            *non_negative(
                "kpisnapshot",
                *(
                    c
                    for c in COMPONENTS
                    if c not in ("forecast_units", "forecast_abs_error", "forecast_ape_sum")
                ),
            ),
        ]
        indexes = [models.Index(fields=["location", "period_start"])]

    def __str__(self) -> str:
        return f"KPIs {self.period_start} {self.location_id}/{self.category}/{self.segment}"


class KpiRefresh(models.Model):
    """One computation of KPI snapshots over a range of weeks: who started it, its progress
    and outcome (the queue only delivers it)."""

    status = models.CharField(
        max_length=10, choices=KpiRefreshStatus.choices, default=KpiRefreshStatus.QUEUED
    )
    first_period = models.DateField()
    last_period = models.DateField()
    periods_done = models.PositiveIntegerField(default=0)
    periods_total = models.PositiveIntegerField(default=0)
    cells_written = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("refresh_kpis", "Can recompute KPI snapshots")]

    def __str__(self) -> str:
        return f"KPI refresh #{self.pk} {self.first_period}..{self.last_period} ({self.status})"


class KpiSettings(models.Model):
    """The parameters of the KPI definitions; one row (pk 1), edited in the admin, audited."""

    carrying_rate = models.FloatField(
        default=0.25, help_text="Annual carrying cost as a share of inventory value."
    )
    excess_cover_days = models.PositiveIntegerField(
        default=180,
        help_text="Stock beyond this many days of average demand is excess where a SKU-location "
        "has no policy max.",
    )
    obsolete_weeks = models.PositiveIntegerField(
        default=26, help_text="No demand and no forecast for this many weeks: obsolete."
    )
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        verbose_name_plural = "KPI settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(carrying_rate__gte=0) & models.Q(carrying_rate__lte=5),
                name="kpisettings_carrying_rate_range",
            ),
            models.CheckConstraint(
                condition=models.Q(obsolete_weeks__gte=1), name="kpisettings_obsolete_weeks_min"
            ),
        ]

    def __str__(self) -> str:
        return "KPI settings"


class Expedite(LoadedRecord):
    """An order sped up at extra cost (the ERP does not record these). Natural key:
    ``reference``."""

    reference = models.CharField(max_length=40, unique=True)
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    expedite_date = models.DateField()
    quantity = models.FloatField(default=0)
    cost = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-expedite_date", "reference"]
        constraints = non_negative("expedite", "quantity", "cost")
        indexes = [models.Index(fields=["expedite_date"])]

    def __str__(self) -> str:
        return f"Expedite {self.reference}"


class WriteOff(LoadedRecord):
    """Stock written off (scrapped, expired, obsolete). Natural key: ``reference``."""

    reference = models.CharField(max_length=40, unique=True)
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    write_off_date = models.DateField()
    quantity = models.FloatField()
    value = models.DecimalField(max_digits=16, decimal_places=2, help_text="At unit cost.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-write_off_date", "reference"]
        constraints = non_negative("writeoff", "quantity", "value")
        indexes = [models.Index(fields=["write_off_date"])]

    def __str__(self) -> str:
        return f"Write-off {self.reference}"
