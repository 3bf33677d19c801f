"""The consensus demand plan: planners' overrides of forecast periods (with a rationale,
audited, approved by a manager beyond the tolerance), promotions, and the plan's settings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from demand.choices import OverrideStatus
from sop_platform.constraints import non_negative


class ForecastSettings(models.Model):
    """The demand plan's parameters; one row (pk 1), edited in the admin, audited."""

    horizon_periods = models.PositiveIntegerField(
        default=26, help_text="Periods a forecast run forecasts ahead."
    )
    holdout_periods = models.PositiveIntegerField(
        default=13, help_text="Last periods held out to choose each row's method."
    )
    season_length = models.PositiveIntegerField(default=52, help_text="Periods in a season.")
    override_tolerance = models.FloatField(
        default=0.20,
        help_text="An override further than this share from the baseline needs a manager's "
        "approval.",
    )
    bias_limit = models.FloatField(
        default=0.08, help_text="Forecast bias beyond ± this share alerts (A items)."
    )
    error_limit = models.FloatField(
        default=0.15, help_text="Forecast error (WAPE over 3 months) beyond this share alerts."
    )
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        verbose_name_plural = "forecast settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_periods__gte=1) & Q(horizon_periods__lte=156),
                name="forecastsettings_horizon_range",
            ),
            models.CheckConstraint(
                condition=Q(season_length__gte=2), name="forecastsettings_season_min"
            ),
            *non_negative("forecastsettings", "override_tolerance", "bias_limit", "error_limit"),
        ]

    def __str__(self) -> str:
        return "Forecast settings"


class ForecastOverride(models.Model):
    """A planner's consensus quantity for one SKU-location period, with its rationale.

    ``baseline`` is the statistical forecast of the period when the override was made. Within
    the tolerance it is approved at once; beyond it, it waits for a manager (never its own
    author). An approved override is written as the period's consensus ``Forecast``.
    ``version`` counts changes: a decision based on a stale read is refused.
    """

    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    quantity = models.FloatField()
    baseline = models.FloatField(null=True, blank=True, help_text="Statistical forecast then.")
    rationale = models.TextField()
    status = models.CharField(
        max_length=12, choices=OverrideStatus.choices, default=OverrideStatus.PENDING
    )
    needs_approval = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("approve_forecastoverride", "Can approve forecast overrides")]
        constraints = [
            *non_negative("forecastoverride", "quantity"),
            models.CheckConstraint(
                condition=~Q(rationale=""), name="forecastoverride_rationale_required"
            ),
        ]
        indexes = [
            models.Index(fields=["item", "location", "period_start"], name="override_period"),
            models.Index(fields=["status", "created_at"], name="override_status"),
        ]

    def __str__(self) -> str:
        return f"Override {self.item_id}@{self.location_id} {self.period_start}: {self.quantity}"


class Promotion(models.Model):
    """A planned promotion: demand of the item (at one location, or all when blank) is
    multiplied by ``uplift`` over [start, end]. Past promotions' history periods are flagged
    ``DemandHistory.is_promotion`` and left out of the baseline fit."""

    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateField()
    end = models.DateField()
    uplift = models.FloatField(help_text="Demand multiplier over the promotion, e.g. 1.5.")
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["start", "item"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="promotion_span"),
            *non_negative("promotion", "uplift"),
        ]
        indexes = [models.Index(fields=["item", "start"], name="promotion_item_start")]

    def __str__(self) -> str:
        return f"Promotion of {self.item_id} {self.start}–{self.end} ×{self.uplift}"
