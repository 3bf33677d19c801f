"""Statuses and kinds of the governance app."""

from django.db import models


class Role(models.TextChoices):
    """A user's role; each is a Django group of the same name."""

    PLANNER = "planner", "Planner"
    MANAGER = "manager", "Manager"
    EXECUTIVE = "executive", "Executive"
    ADMIN = "admin", "Administrator"
    INTEGRATION = "integration", "Integration (loads data through the API)"


class ExceptionKind(models.TextChoices):
    """What an optimization run found wrong with a SKU-location."""

    STOCKOUT_RISK = "stockout_risk", "Stock-out risk"
    EXCESS_RISK = "excess_risk", "Excess risk"
    DATA_QUALITY = "data_quality", "Data quality"
    LARGE_POLICY_CHANGE = "large_policy_change", "Large policy change"
    # Raised by escalation rules (governance.escalations), not by runs.
    DAYS_ON_HAND = "days_on_hand", "Days on hand above target"
    FORECAST_BIAS = "forecast_bias", "Forecast bias"
    SERVICE_BELOW_TARGET = "service_below_target", "Service below target"
    RECEIPT_TIMING = "receipt_timing", "Receipts off their promised date"
    FORECAST_ERROR = "forecast_error", "Forecast error above limit"


RUN_EXCEPTION_KINDS = [
    (value, label)
    for value, label in ExceptionKind.choices
    if value
    not in (
        "days_on_hand",
        "forecast_bias",
        "service_below_target",
        "receipt_timing",
        "forecast_error",
    )
]
"""The kinds optimization runs raise (and ``ExceptionRule`` governs)."""


class Severity(models.TextChoices):
    """How urgent an exception is; it sets the default due date."""

    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


DUE_DAYS = {Severity.HIGH: 3, Severity.MEDIUM: 7, Severity.LOW: 14}
"""Days from raising an exception to its default due date, by severity (runs and escalation
rules alike)."""


class ExceptionStatus(models.TextChoices):
    """Where an exception is in its handling."""

    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


OPEN_EXCEPTION_STATUSES = (ExceptionStatus.OPEN, ExceptionStatus.IN_PROGRESS)


class ProposalStatus(models.TextChoices):
    """Where a proposed policy change is: waiting for a manager, or decided."""

    PROPOSED = "proposed", "Awaiting approval"
    APPROVED = "approved", "Approved (active)"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded by a later proposal"


class ProposalKind(models.TextChoices):
    """How a planner proposed it: the run's recommendation as is, or their own values."""

    ACCEPTED = "accepted", "Recommendation accepted"
    OVERRIDE = "override", "Override"


class EscalationKind(models.TextChoices):
    """What an escalation rule watches; its exceptions carry the same kind."""

    DAYS_ON_HAND = "days_on_hand", "Days on hand above target"
    FORECAST_BIAS = "forecast_bias", "Forecast bias"
    SERVICE_BELOW_TARGET = "service_below_target", "Service below target"
    RECEIPT_TIMING = "receipt_timing", "Receipts off their promised date"
    FORECAST_ERROR = "forecast_error", "Forecast error above limit"


class KpiRefreshStatus(models.TextChoices):
    """Where a KPI snapshot computation is."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class SopCycleStatus(models.TextChoices):
    """An S&OP cycle is open until it is signed off and closed."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class DiagnosticArea(models.TextChoices):
    """The five areas of the 15-check diagnostic, three checks each, in the seed's order."""

    POLICY_LOGIC = "policy", "Policy Logic"
    FORECAST = "forecast", "Forecast Integration"
    SUPPLY = "supply", "Supply Constraints"
    GOVERNANCE = "governance", "Governance & Cadence"
    OUTCOMES = "outcomes", "Outcome KPIs"
