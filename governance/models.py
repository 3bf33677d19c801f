"""Exceptions raised by optimization runs, handled by planners."""

from django.conf import settings
from django.db import models

from governance.choices import ExceptionKind, ExceptionStatus, Severity


class PlanningException(models.Model):
    """A risk or data problem of one SKU-location, found by a run and handled by a person.

    At most one open (or in-progress) exception per SKU-location and kind: a later run that
    finds the same condition refreshes it (``last_run``, ``reasons``); a later run covering the
    SKU-location that no longer finds it resolves it with a note. ``version`` counts changes, so
    that a person's change based on what they read is refused once someone else has changed it.
    """

    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(
        max_length=12, choices=ExceptionStatus.choices, default=ExceptionStatus.OPEN
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE)
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE)
    reasons = models.JSONField(default=list, help_text="Reason codes, e.g. DEMAND_MISSING.")
    detail = models.CharField(max_length=300, blank=True)
    first_run = models.ForeignKey(
        "inventory.PolicyRun", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_run = models.ForeignKey(
        "inventory.PolicyRun", on_delete=models.SET_NULL, null=True, related_name="exceptions"
    )
    batch_number = models.PositiveIntegerField(help_text="Batch of the run that raised it.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    due_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(
        default=1,
        db_default=1,  # rows inserted by the run writer's raw INSERT start at 1 too
        help_text="Raised by one at every change; a change based on an older version is "
        "refused (optimistic concurrency).",
    )

    class Meta:
        ordering = ["status", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "kind"],
                condition=models.Q(status__in=["open", "in_progress"]),
                name="planningexception_one_open_per_kind",
            )
        ]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["item", "location"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id}@{self.location_id} ({self.status})"
