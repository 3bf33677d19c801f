"""Demand history and forecasts per item, location and planning period (quantities in units)."""

from django.db import models

from demand.choices import ForecastKind
from demand.consensus.models import ForecastOverride, ForecastSettings, Promotion
from demand.runs.models import ForecastBatch, ForecastFit, ForecastRun
from inventory.models import Item, Location
from sop_platform.constraints import non_negative
from sop_platform.provenance import LoadedRecord

__all__ = [
    "DemandHistory",
    "Forecast",
    "ForecastBatch",
    "ForecastFit",
    "ForecastOverride",
    "ForecastRun",
    "ForecastSettings",
    "Promotion",
]


class DemandHistory(LoadedRecord):
    """Demand observed in one planning period. Natural key: (item, location, period_start).

    A period with no row is *missing*, not zero: loads send explicit zeros.
    """

    # No index of its own: the natural key's leading column serves lookups and deletes by item.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_index=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE)
    period_start = models.DateField()
    quantity = models.FloatField()
    is_promotion = models.BooleanField(default=False)

    class Meta:
        ordering = ["item", "location", "period_start"]
        verbose_name_plural = "demand history"
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "period_start"], name="demandhistory_natural_key"
            ),
            *non_negative("demandhistory", "quantity"),
        ]


class Forecast(LoadedRecord):
    """Forecast of one period made on ``as_of``.

    Natural key: (item, location, period_start, kind, as_of). Keeping every as-of version lets
    later runs compare lagged forecasts with actuals to measure forecast error. Statistical
    forecasts of a forecast run carry their prediction interval (``lower``, ``upper``); the run's
    are those of its ``as_of`` (no link per row: at tens of millions of rows, a foreign key's
    check and index would cost more than the write itself).
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_index=False)  # see DemandHistory
    location = models.ForeignKey(Location, on_delete=models.CASCADE)
    period_start = models.DateField()
    quantity = models.FloatField()
    kind = models.CharField(max_length=12, choices=ForecastKind.choices)
    as_of = models.DateField(help_text="Date the forecast was made (its version).")
    version = models.CharField(max_length=40, blank=True, help_text="Label of the plan, if any.")
    lower = models.FloatField(null=True, blank=True, help_text="Prediction interval's low end.")
    upper = models.FloatField(null=True, blank=True, help_text="Prediction interval's high end.")

    class Meta:
        ordering = ["item", "location", "period_start", "kind", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "period_start", "kind", "as_of"],
                name="forecast_natural_key",
            ),
            *non_negative("forecast", "quantity"),
        ]
