"""Statuses and kinds of the supply app."""

from django.db import models


class PurchaseOrderStatus(models.TextChoices):
    """State of a purchase-order line."""

    OPEN = "open", "Open"
    PARTIALLY_RECEIVED = "partial", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


class LeadTimeSource(models.TextChoices):
    """Where the lead time handed to the optimizer comes from."""

    ACTUAL = "actual", "Actual (receipts against purchase orders)"
    PROMISED = "promised", "Promised (supplier lane terms)"


class LaneShift(models.TextChoices):
    """Which lead-time figure of a supplier lane moved beyond the shift threshold."""

    MEAN = "mean", "Mean"
    SD = "sd", "Standard deviation"
    BOTH = "both", "Mean and standard deviation"
