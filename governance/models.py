"""Exceptions raised by optimization runs, handled by planners; proposals of policy changes,
decided by managers; publications of active policies to the ERP."""

from django.conf import settings
from django.db import models
from django.db.models import F
from simple_history.models import HistoricalRecords

from governance.choices import (
    RUN_EXCEPTION_KINDS,
    ExceptionKind,
    ExceptionStatus,
    ProposalKind,
    ProposalStatus,
    Severity,
)
from governance.escalations.models import EscalationRule
from governance.kpis.models import Expedite, KpiRefresh, KpiSettings, KpiSnapshot, WriteOff
from governance.sop.models import DiagnosticAnswer, ScorecardArea, SopCycle
from inventory.models import PolicyValues
from sop_platform.constraints import non_negative, open_unit_interval

__all__ = [
    "DiagnosticAnswer",
    "EscalationRule",
    "ExceptionRule",
    "Expedite",
    "KpiRefresh",
    "KpiSettings",
    "KpiSnapshot",
    "PlanningException",
    "PolicyProposal",
    "PublicationBatch",
    "PublishedPolicy",
    "ScorecardArea",
    "SopCycle",
    "WriteOff",
]

SEVERITY_RANK = models.Case(
    *(
        models.When(severity=value, then=models.Value(rank))
        for rank, value in enumerate(Severity.values)
    ),
    default=models.Value(len(Severity.values)),
    output_field=models.IntegerField(),
)
"""High 0, medium 1, low 2: the order of the inbox's severity sort (indexed as is)."""


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
    batch_number = models.PositiveIntegerField(
        help_text="Batch of the run that raised it (0: raised by an escalation rule)."
    )
    escalation_rule = models.ForeignKey(
        "governance.EscalationRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exceptions",
        help_text="The escalation rule that raised it (none: an optimization run did).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    due_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_notes = models.TextField(blank=True)
    money_at_risk = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        default=0,
        db_default=0,
        help_text="What the exception puts at stake, in currency at unit cost (by kind: see "
        "docs/governance.md); 0 when the unit cost is unknown.",
    )
    version = models.PositiveIntegerField(
        default=1,
        db_default=1,  # rows inserted by the run writer's raw INSERT start at 1 too
        help_text="Raised by one at every change; a change based on an older version is "
        "refused (optimistic concurrency).",
    )
    # Who assigned, progressed, resolved or dismissed it, when, and the fields before and
    # after (governance.services.planning_exception_update); runs write in bulk, unrecorded.
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

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
            # The inbox's orders (keyset pages: see governance.inbox.selectors). Money and
            # severity over every status (closed ones are interleaved: a page of open ones
            # skips few); due dates over the open ones (the closed ones come first otherwise).
            models.Index(F("money_at_risk").desc(), F("id").desc(), name="planningexception_money"),
            models.Index(
                SEVERITY_RANK,
                F("money_at_risk").desc(),
                F("id").desc(),
                name="planningexception_severity",
            ),
            models.Index(
                fields=["due_date", "id"],
                condition=models.Q(status__in=["open", "in_progress"]),
                name="planningexception_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id}@{self.location_id} ({self.status})"


class ExceptionRule(models.Model):
    """When a run raises an exception of one kind (governance.exception_rules): not at all
    when disabled, else only when it puts at least ``min_money_at_risk`` at stake (and, for a
    large policy change, when safety stock moves by at least ``min_relative_change``).

    A run copies the rules when it is planned (its snapshot), so changing a rule applies
    to the next run. Data-quality exceptions that block a policy are raised whatever the rule.
    """

    kind = models.CharField(max_length=20, choices=RUN_EXCEPTION_KINDS, unique=True)
    enabled = models.BooleanField(default=True, help_text="Off: runs raise none of this kind.")
    min_money_at_risk = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        default=0,
        help_text="Raise only from this money at risk (currency at unit cost); 0: always.",
    )
    min_relative_change = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Large policy change only: raise only when safety stock moves by at least "
        "this share of the active policy's (0.5 = 50 %), on top of the run's change tolerance; "
        "blank: the run's tolerance alone.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["kind"]
        constraints = [
            *non_negative("exceptionrule", "min_money_at_risk", "min_relative_change"),
            models.CheckConstraint(
                condition=models.Q(min_relative_change__isnull=True)
                | models.Q(kind="large_policy_change"),
                name="exceptionrule_relative_change_only_for_large_change",
            ),
        ]

    def __str__(self) -> str:
        return f"Rule for {self.get_kind_display().lower()} exceptions"


class PolicyProposal(PolicyValues):
    """A change to the policy of one SKU-location, proposed by a planner and decided by a
    manager (governance.proposals).

    The values are the run's recommendation as is (``kind`` accepted) or the planner's own
    (override, with a justification). ``current`` and ``recommended`` keep what the manager
    compares them with, as they were when proposed; ``base_version`` is the version of the
    policy it changes, so an approval after someone else changed the policy is refused
    instead of silently reverting them. At most one proposal per SKU-location awaits
    approval: a later one supersedes it.
    """

    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE)
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE)
    policy = models.ForeignKey(
        "inventory.InventoryPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The policy in force when proposed (none: the approval creates one).",
    )
    base_version = models.PositiveIntegerField(null=True, blank=True)
    recommendation = models.ForeignKey(
        "inventory.PolicyRecommendation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    run = models.ForeignKey(
        "inventory.PolicyRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    current = models.JSONField(default=dict, blank=True, help_text="The policy when proposed.")
    recommended = models.JSONField(
        default=dict, blank=True, help_text="The run's recommendation when proposed."
    )
    justification = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised at every change; a decision on an older one is refused."
    )
    history = HistoricalRecords(history_id_field=models.BigAutoField(primary_key=True))

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("decide_policyproposal", "Can approve or reject policy proposals")]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location"],
                condition=models.Q(status="proposed"),
                name="policyproposal_one_open_per_sku_location",
            ),
            *non_negative("policyproposal", *PolicyValues.QUANTITIES),
            open_unit_interval("policyproposal", "service_target"),
            models.CheckConstraint(
                condition=models.Q(min_level__lte=models.F("reorder_point"))
                & models.Q(reorder_point__lte=models.F("max_level")),
                name="policyproposal_min_le_rop_le_max",
            ),
        ]
        indexes = [models.Index(fields=["status", "location"])]

    def __str__(self) -> str:
        return f"Proposal #{self.pk}: {self.item} at {self.location} ({self.get_status_display()})"


class PublicationBatch(models.Model):
    """Active policies handed to the ERP together (governance.publication). Rows with open
    data-quality exceptions are held back unless a manager released them with a
    justification."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    policies = models.PositiveIntegerField(default=0, help_text="Policies published.")
    held_back = models.PositiveIntegerField(
        default=0, help_text="Policies held back by open data-quality exceptions."
    )
    released = models.PositiveIntegerField(
        default=0, help_text="Policies published despite open data-quality exceptions."
    )
    justification = models.TextField(blank=True, help_text="Why held-back policies were released.")

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "publication batches"

    def __str__(self) -> str:
        return f"Publication #{self.pk} ({self.policies:,} policies)"


class PublishedPolicy(PolicyValues):
    """What one publication gave the ERP for one policy: the export serves the latest
    (``current``) of each policy, and what changed since a given publication."""

    batch = models.ForeignKey(PublicationBatch, on_delete=models.PROTECT, related_name="lines")
    policy = models.ForeignKey(
        "inventory.InventoryPolicy", on_delete=models.CASCADE, related_name="publications"
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("inventory.Location", on_delete=models.CASCADE, related_name="+")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    policy_version = models.PositiveIntegerField()
    current = models.BooleanField(default=True, help_text="The policy's latest publication.")
    released = models.BooleanField(
        default=False,
        help_text="Published despite an open data-quality exception (the batch says why).",
    )

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name_plural = "published policies"
        constraints = [
            models.UniqueConstraint(
                fields=["policy"],
                condition=models.Q(current=True),
                name="publishedpolicy_one_current_per_policy",
            )
        ]
        indexes = [models.Index(fields=["current", "location"])]

    def __str__(self) -> str:
        return f"{self.item} at {self.location}, version {self.policy_version} (#{self.batch_id})"
