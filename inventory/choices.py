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
