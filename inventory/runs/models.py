"""Optimization runs: the run record, its batches, its log and the recommendations it made;
the network's stored ABC-XYZ segmentation the runs share."""

import math

from django.conf import settings
from django.db import models
from django.utils import timezone

from inventory.choices import BatchPhase, BatchStatus, LeadTimeBasis, RunStatus, RunTrigger


class PolicyRun(models.Model):
    """One optimization run over a scope of SKU-locations.

    ``scope`` and ``parameters`` are what was asked; ``snapshot`` what the inputs looked like
    (row counts, data as-of dates, a content hash of every batch's inputs), the calibration
    evidence (``calibration``) and the replay of its policies against the current ones
    (``backtest``) and, for optimized service levels, the threshold the whole run shares and
    what it gave (``portfolio``); ``timings`` the seconds per stage summed over batches.
    Progress is read from the batches.
    """

    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    trigger = models.CharField(max_length=8, choices=RunTrigger.choices, default=RunTrigger.USER)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    description = models.CharField(max_length=200, blank=True)
    scope = models.JSONField(default=dict, help_text="Locations, categories, segments or pairs.")
    parameters = models.JSONField(default=dict)
    snapshot = models.JSONField(default=dict, help_text="Inputs: row counts, as-of dates, hash.")
    algorithm_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total_batches = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0, help_text="SKU-locations in scope.")
    timings = models.JSONField(default=dict, help_text="Seconds per stage.")
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("start_policyrun", "Can start an optimization run")]

    def __str__(self) -> str:
        return f"Run #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        """Still queued or running."""
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def started_by(self) -> str:
        """Who started it, in words: the user, or what started it without one."""
        if self.actor_id is not None:
            return self.actor.get_username()
        return {
            RunTrigger.USER: "The command line (manage.py optimize)",
            RunTrigger.SCHEDULE: "The monthly schedule",
            RunTrigger.EVENT: "A lead-time change event",
        }.get(self.trigger, "—")

    @property
    def duration_seconds(self) -> float | None:
        """Wall time from start to finish (so far, while running)."""
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()


class RunBatch(models.Model):
    """A slice of a run's SKU-locations: every pair whose item id lies in [item_from, item_to].

    A run with optimized service levels has two batches per slice, one per pass (``phase``):
    pass 1's are numbered 1..n, pass 2's n+1..2n over the same item ranges. ``portfolio``
    holds pass 1's step summary (``engine.portfolio.StepSummary.as_json``, some 130 kB) or
    pass 2's sums (``runs.portfolio.SUMS``); pages defer it.
    """

    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    phase = models.CharField(max_length=8, choices=BatchPhase.choices, default=BatchPhase.PLAN)
    item_from = models.BigIntegerField()
    item_to = models.BigIntegerField()
    rows = models.PositiveIntegerField(help_text="SKU-locations planned when the run started.")
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recommendations = models.PositiveIntegerField(default=0)
    exceptions = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict)
    replay = models.JSONField(
        default=dict,
        blank=True,
        help_text="Sums of the replay of its policies and the current ones (runs.replay).",
    )
    portfolio = models.JSONField(
        default=dict,
        blank=True,
        help_text="Optimized service levels: pass 1's step summary, or pass 2's sums.",
    )
    input_hash = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="runbatch_number_unique")
        ]

    def __str__(self) -> str:
        return f"Run #{self.run_id} batch {self.number}"


class RunLogEntry(models.Model):
    """One line of a run's log, as the Runs page shows it."""

    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="log_entries")
    at = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=8, default="info")
    batch_number = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["run", "at", "pk"]
        verbose_name_plural = "run log entries"

    def __str__(self) -> str:
        return f"Run #{self.run_id} {self.level}: {self.message[:60]}"


class PolicyRecommendation(models.Model):
    """The policy a run recommends for one SKU-location, with the numbers behind it.

    NULL policy figures mean the engine could not compute them (see ``data_quality_reasons``);
    such a recommendation is ``blocked`` until its data-quality exception is resolved.
    """

    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="recommendations")
    batch_number = models.PositiveIntegerField()
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE)
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE)
    segment = models.CharField(max_length=2, blank=True, help_text="ABC-XYZ class, e.g. AX.")
    service_class = models.CharField(max_length=16, blank=True)
    service_target = models.FloatField(null=True, blank=True)
    service_type = models.CharField(max_length=8, blank=True)
    demand_mean = models.FloatField(null=True, blank=True, help_text="Units per period.")
    demand_sd = models.FloatField(null=True, blank=True, help_text="Sigma used by the engine.")
    demand_sd_source = models.CharField(max_length=16, blank=True)
    demand_periods = models.PositiveSmallIntegerField(default=0)
    capped_periods = models.PositiveSmallIntegerField(default=0)
    demand_pattern = models.CharField(max_length=12, blank=True)
    demand_source = models.CharField(
        max_length=12,
        blank=True,
        help_text="Where the demand level came from: history, statistical or consensus forecast.",
    )
    forecast_mean = models.FloatField(
        null=True, blank=True, help_text="Forecast units per period over lead time + review."
    )
    lead_time_mean = models.FloatField(null=True, blank=True, help_text="Periods.")
    lead_time_sd = models.FloatField(null=True, blank=True, help_text="Periods.")
    lead_time_basis = models.CharField(max_length=8, choices=LeadTimeBasis.choices)
    distribution = models.CharField(max_length=12, blank=True)
    safety_stock = models.FloatField(null=True, blank=True)
    ss_demand = models.FloatField(
        null=True, blank=True, help_text="Part of the safety stock due to demand variability."
    )
    ss_lead_time = models.FloatField(
        null=True, blank=True, help_text="Part of the safety stock due to lead-time variability."
    )
    reorder_point = models.FloatField(null=True, blank=True)
    order_quantity = models.FloatField(null=True, blank=True)
    min_level = models.FloatField(null=True, blank=True)
    max_level = models.FloatField(null=True, blank=True)
    expected_service = models.FloatField(null=True, blank=True)
    inventory_position = models.FloatField(null=True, blank=True)
    recommended_qty = models.FloatField(null=True, blank=True)
    binding_constraint = models.CharField(max_length=10, blank=True)
    current_safety_stock = models.FloatField(null=True, blank=True)
    current_reorder_point = models.FloatField(null=True, blank=True)
    safety_stock_change = models.FloatField(
        null=True, blank=True, help_text="Relative to the active policy (0.25 = +25 %)."
    )
    stockout_reasons = models.JSONField(default=list)
    excess_reasons = models.JSONField(default=list)
    data_quality_reasons = models.JSONField(default=list)
    blocked = models.BooleanField(default=False, help_text="A data-quality exception holds it.")
    periods_until_order = models.FloatField(
        null=True, blank=True, help_text="Periods from the run's as-of date to the next order."
    )
    order_date = models.DateField(null=True, blank=True, help_text="When to place the order.")
    supplier_lane = models.ForeignKey(
        "supply.SupplierLane",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The lane that supplies the order (none: a transfer or no lane known).",
    )
    policy = models.ForeignKey(
        "inventory.InventoryPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The policy in force when the run computed it.",
    )
    is_latest = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The newest recommendation of its SKU-location (the one planner pages show).",
    )

    class Meta:
        ordering = ["run", "item", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "item", "location"], name="policyrecommendation_per_run"
            )
        ]
        indexes = [
            models.Index(fields=["run", "batch_number"]),
            # The planner pages read the newest recommendation per SKU-location, in key order.
            models.Index(
                fields=["item", "location"],
                condition=models.Q(is_latest=True),
                name="policyrec_latest_key",
            ),
            models.Index(
                fields=["location", "item"],
                condition=models.Q(is_latest=True),
                name="policyrec_latest_location",
            ),
            # The orders page in date order (inventory.orders), at 1M rows too.
            models.Index(
                fields=["order_date", "item", "location"],
                condition=models.Q(is_latest=True, order_date__isnull=False),
                name="policyrec_latest_order_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Run #{self.run_id}: {self.item_id}@{self.location_id}"


class RecommendationPeriod(models.Model):
    """A time-phased recommendation: the levels for one future period of a seasonal or promoted
    SKU-location, from the forecast of the lead time + review that period starts
    (docs/runs.md, "Time-phased policies")."""

    recommendation = models.ForeignKey(
        PolicyRecommendation, on_delete=models.CASCADE, related_name="periods"
    )
    period_start = models.DateField()
    forecast = models.FloatField(help_text="Forecast demand of the period, units.")
    is_promotion = models.BooleanField(default=False)
    safety_stock = models.FloatField(null=True, blank=True)
    reorder_point = models.FloatField(null=True, blank=True)
    order_up_to = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["recommendation", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "period_start"], name="recommendationperiod_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id} {self.period_start}"


class NetworkSegmentation(models.Model):
    """The whole network's ABC-XYZ segmentation on one date, as a whole-network run computed
    it: the ABC cut-offs, and each SKU-location's class (:class:`SkuLocationSegment`).

    Scoped runs reuse the newest one that is fresh enough instead of scoring their scope
    against itself, so a SKU-location gets one segment, and one service target, whatever the
    scope (``inventory.runs.planning.segmentation_plan``). A NULL cut-off means the class
    above it is empty.
    """

    run = models.OneToOneField(
        PolicyRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segmentation",
        help_text="The whole-network run that computed it.",
    )
    as_of = models.DateField(db_index=True, help_text="The demand history used ends before it.")
    computed_at = models.DateTimeField(auto_now_add=True)
    a_cutoff = models.FloatField(null=True, blank=True, help_text="Lowest annual value in A.")
    b_cutoff = models.FloatField(null=True, blank=True, help_text="Lowest annual value in B.")

    class Meta:
        ordering = ["-as_of", "-computed_at", "-pk"]

    def __str__(self) -> str:
        return f"Segmentation of {self.as_of} (run #{self.run_id})"

    @property
    def cutoffs(self) -> tuple[float, float]:
        """(A, B) cut-offs for the engine, infinity for an empty class."""
        return tuple(math.inf if c is None else c for c in (self.a_cutoff, self.b_cutoff))


class SkuLocationSegment(models.Model):
    """The stored ABC-XYZ class of one SKU-location, from the newest whole-network run that
    classified it; its date is its ``segmentation``'s. SKU-locations that could not be
    classified (no demand statistics) have no row."""

    segmentation = models.ForeignKey(
        NetworkSegmentation, on_delete=models.CASCADE, related_name="segments"
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE)
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE)
    segment = models.CharField(max_length=2, help_text="ABC-XYZ class, e.g. AX.")

    class Meta:
        ordering = ["item", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location"], name="skulocationsegment_per_sku_location"
            ),
            models.CheckConstraint(
                condition=models.Q(segment__in=[a + x for a in "ABC" for x in "XYZ"]),
                name="skulocationsegment_segment_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.location_id}: {self.segment}"
