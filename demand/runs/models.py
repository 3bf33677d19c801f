"""Forecast runs: the statistical baseline of a scope of SKU-locations, computed in django-q2
batches and recorded like an optimization run; and each SKU-location's fitted model."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from demand.choices import DemandClass, ForecastMethod
from inventory.choices import BatchStatus, RunStatus, RunTrigger


class ForecastRun(models.Model):
    """One statistical forecast run over a scope of SKU-locations.

    ``parameters`` holds what was asked (horizon, holdout, season length, history periods);
    ``summary`` what came out (rows per method and demand class, holdout accuracy against the
    seasonal-naive and Croston benchmarks); ``timings`` seconds per stage summed over batches.
    The forecasts it made are ``Forecast`` rows of kind statistical with ``as_of`` = the run's
    ``as_of`` (a later run of the same date replaces them); progress is read from the
    batches.
    """

    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=8, choices=RunTrigger.choices, default=RunTrigger.USER)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    as_of = models.DateField(help_text="History before this date is fitted; forecasts start here.")
    scope = models.JSONField(default=dict, help_text="Locations and categories.")
    parameters = models.JSONField(default=dict)
    summary = models.JSONField(default=dict, help_text="Rows per method and class; accuracy.")
    algorithm_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total_batches = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0, help_text="SKU-locations in scope.")
    timings = models.JSONField(default=dict, help_text="Seconds per stage.")
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("start_forecastrun", "Can start a forecast run")]

    def __str__(self) -> str:
        return f"Forecast run #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        """Still queued or running."""
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def duration_seconds(self) -> float | None:
        """Wall time from start to finish (so far, while running)."""
        if self.started_at is None:
            return None
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()


class ForecastBatch(models.Model):
    """A slice of a forecast run: every SKU-location whose item id lies in [item_from, item_to]."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    item_from = models.BigIntegerField()
    item_to = models.BigIntegerField()
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    rows = models.PositiveIntegerField(default=0, help_text="SKU-locations forecast.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    timings = models.JSONField(default=dict)
    summary = models.JSONField(default=dict, help_text="This batch's share of the run summary.")

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="forecastbatch_run_number")
        ]

    def __str__(self) -> str:
        return f"{self.run} batch {self.number}"


class ForecastFit(models.Model):
    """The model a forecast run chose for one SKU-location, and why (its holdout accuracy).

    ``sigma`` is the one-step-ahead in-sample error sd (units per period) behind the prediction
    intervals; ``holdout_mase`` the chosen method's MASE on the held-out periods (scaled by the
    in-sample seasonal-naive error; NaN-free: NULL where undefined).
    """

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="fits")
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    demand_class = models.CharField(max_length=12, choices=DemandClass.choices)
    method = models.CharField(max_length=16, choices=ForecastMethod.choices)
    alpha = models.FloatField(null=True, blank=True)
    beta = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    level = models.FloatField(null=True, blank=True, help_text="Units per period at the origin.")
    sigma = models.FloatField(null=True, blank=True, help_text="One-step error sd, units.")
    holdout_mase = models.FloatField(null=True, blank=True)
    periods = models.PositiveIntegerField(default=0, help_text="History periods fitted.")

    class Meta:
        ordering = ["run", "item", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "item", "location"], name="forecastfit_run_item_location"
            )
        ]
        indexes = [models.Index(fields=["item", "location", "run"], name="forecastfit_pair")]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.method}"
