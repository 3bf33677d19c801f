"""Statuses and kinds of the inventory app."""

from django.db import models


class LifecycleStatus(models.TextChoices):
    """Where an item is in its life; new and end-of-life items need special policies."""

    NEW = "new", "New"
    ACTIVE = "active", "Active"
    END_OF_LIFE = "end_of_life", "End of life"
    DISCONTINUED = "discontinued", "Discontinued"


class LocationType(models.TextChoices):
    """Kind of stocking point in the network."""

    PLANT = "plant", "Plant"
    DC = "dc", "Distribution centre"
    STORE = "store", "Store"


class ServiceType(models.TextChoices):
    """How a service target is measured."""

    CYCLE = "cycle", "Cycle service level (probability of no stock-out per cycle)"
    FILL = "fill", "Fill rate (share of demand served from stock)"


class PolicySource(models.TextChoices):
    """Who set a policy: the optimizer or a person."""

    SYSTEM = "system", "System (optimized)"
    MANUAL = "manual", "Manual"


class PolicyStatus(models.TextChoices):
    """Life of a policy version from draft to retirement."""

    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    REJECTED = "rejected", "Rejected"
    RETIRED = "retired", "Retired"


class RunStatus(models.TextChoices):
    """Life of an optimization run."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIALLY_FAILED = "partially_failed", "Partially failed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class BatchStatus(models.TextChoices):
    """Life of one batch of a run's SKU-locations."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_BATCH_STATUSES = (BatchStatus.SUCCEEDED, BatchStatus.FAILED, BatchStatus.CANCELLED)


class BatchPhase(models.TextChoices):
    """What a batch does: plan and write its SKU-locations in one pass (service classes), or
    one of the two passes of a run with optimized service levels (docs/runs.md)."""

    PLAN = "plan", "Plan"
    CURVES = "curves", "Pass 1: service-level curves"
    POLICIES = "policies", "Pass 2: policies at the run's threshold"


class RunTrigger(models.TextChoices):
    """What started a run."""

    USER = "user", "A user"
    SCHEDULE = "schedule", "The monthly schedule"
    EVENT = "event", "A lead-time change event"


class LeadTimeBasis(models.TextChoices):
    """Where a recommendation's lead time came from."""

    ACTUAL = "actual", "Supplier lane, actual receipts"
    PROMISED = "promised", "Supplier lane, promised (too few receipts)"
    TRANSFER = "transfer", "Network lane transfer"
    MISSING = "missing", "None found"


class SegmentationSource(models.TextChoices):
    """Where a run's ABC-XYZ classes came from (all of them are the whole network's)."""

    RECOMPUTED = "recomputed", "Recomputed over the whole network and stored"
    REUSED = "reused", "The stored segmentation, reused"
    COMPUTED = "computed", "Computed against the whole network, not stored"
