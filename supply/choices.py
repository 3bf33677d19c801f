"""Statuses and kinds of the supply app."""

from django.db import models


class PurchaseOrderStatus(models.TextChoices):
    """State of a purchase-order line."""

    OPEN = "open", "Open"
    PARTIALLY_RECEIVED = "partial", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"
