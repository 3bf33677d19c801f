"""Master data, stock positions and inventory policies.

Quantities are floats in the item's unit of measure (the engine works in numpy float64);
money is a decimal in the company currency; lead times are in days.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from inventory.choices import (
    LifecycleStatus,
    LocationType,
    PolicySource,
    PolicyStatus,
    ServiceType,
)
from sop_platform.constraints import non_negative, open_unit_interval, positive
from sop_platform.provenance import LoadedRecord

MONEY = {"max_digits": 14, "decimal_places": 4}


class Item(LoadedRecord):
    """A stock-keeping unit (SKU). Natural key: ``sku``."""

    sku = models.CharField("SKU", max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=80, blank=True, db_index=True)
    business_unit = models.CharField(max_length=80, blank=True, db_index=True)
    unit_cost = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Standard cost per unit; empty when unknown."
    )
    unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    unit_of_measure = models.CharField(max_length=12, default="EA")
    shelf_life_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days a unit stays sellable; empty = does not expire."
    )
    lifecycle_status = models.CharField(
        max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )

    class Meta:
        ordering = ["sku"]
        constraints = [
            *non_negative("item", "unit_cost", "unit_price"),
            *positive("item", "shelf_life_days"),
        ]

    def __str__(self) -> str:
        return self.sku


class Location(LoadedRecord):
    """A stocking point: plant, distribution centre or store. Natural key: ``code``."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    location_type = models.CharField(max_length=8, choices=LocationType.choices)
    echelon = models.PositiveSmallIntegerField(
        help_text="1 = closest to supply (plant or central DC); higher = closer to customers."
    )
    region = models.CharField(max_length=80, blank=True, db_index=True)
    storage_capacity = models.FloatField(
        null=True, blank=True, help_text="Units the location can hold; empty = unconstrained."
    )

    class Meta:
        ordering = ["echelon", "code"]
        # Scoping: a user sees the locations granted to them (object permission
        # view_location) or, with this grant, the whole network.
        permissions = [("scope_all_locations", "Can see every location (whole network)")]
        constraints = [
            *non_negative("location", "storage_capacity"),
            *positive("location", "echelon"),
        ]

    def __str__(self) -> str:
        return self.code


class NetworkLane(LoadedRecord):
    """Which location (origin) replenishes which (destination). Natural key: (origin,
    destination)."""

    origin = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="outbound_lanes")
    destination = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="inbound_lanes"
    )
    transfer_lead_time_mean_days = models.FloatField()
    transfer_lead_time_sd_days = models.FloatField(default=0)
    transfer_cost_per_unit = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["origin__code", "destination__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "destination"], name="networklane_natural_key"
            ),
            models.CheckConstraint(
                condition=~Q(origin=F("destination")), name="networklane_not_a_loop"
            ),
            *non_negative(
                "networklane",
                "transfer_lead_time_mean_days",
                "transfer_lead_time_sd_days",
                "transfer_cost_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} -> {self.destination_id}"


class InventoryPosition(LoadedRecord):
    """Stock of one item at one location on one date. Natural key: (item, location, as_of).

    ``on_hand`` may be negative: ERPs do book negative stock, and that is a data-quality
    finding to flag, not a row to refuse. The other quantities cannot be negative.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    location = models.ForeignKey(Location, on_delete=models.CASCADE)
    as_of = models.DateField()
    on_hand = models.FloatField()
    in_transit = models.FloatField(default=0)
    allocated = models.FloatField(default=0)
    backordered = models.FloatField(default=0)

    class Meta:
        ordering = ["item", "location", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "as_of"], name="inventoryposition_natural_key"
            ),
            *non_negative("inventoryposition", "in_transit", "allocated", "backordered"),
        ]


class ServiceLevelClass(LoadedRecord):
    """Service target of a segment such as AX..CZ. Natural key: ``code``."""

    code = models.CharField(max_length=16, unique=True)
    description = models.CharField(max_length=200, blank=True)
    target = models.FloatField(help_text="Between 0 and 1, e.g. 0.98.")
    service_type = models.CharField(max_length=8, choices=ServiceType.choices)
    accept_tolerance = models.FloatField(
        default=0.1,
        db_default=0.1,  # classes written by bulk loads (no model defaults) get it too
        help_text="Accept-all proposes a recommendation of this class as is when its reorder "
        "point and max level each differ from the active policy's by at most this share "
        "(0.1 = 10 %).",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "service level class"
        constraints = [
            open_unit_interval("servicelevelclass", "target"),
            *non_negative("servicelevelclass", "accept_tolerance"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.target:.1%} {self.service_type})"


class PolicyValues(models.Model):
    """The values a policy sets, as policies, proposals and publications hold them."""

    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    min_level = models.FloatField()
    max_level = models.FloatField(help_text="Max level or order-up-to level.")
    order_quantity = models.FloatField()
    service_target = models.FloatField()
    service_type = models.CharField(max_length=8, choices=ServiceType.choices)

    QUANTITIES = ("safety_stock", "reorder_point", "min_level", "max_level", "order_quantity")
    FIELDS = (*QUANTITIES, "service_target", "service_type")

    class Meta:
        abstract = True

    def values(self) -> dict:
        """The policy values as a dict (field name → value)."""
        return {name: getattr(self, name) for name in self.FIELDS}


class InventoryPolicy(LoadedRecord, PolicyValues):
    """Stocking policy of one item at one location from ``effective_from``.

    Natural key: (item, location, effective_from). Seasonal items carry several time-phased
    rows; ``effective_to`` is exclusive and empty for an open-ended policy. Every field is
    audited by django-simple-history. Its values change only through an approved proposal
    (governance.proposals); ``published_version`` is the version last published to the ERP
    (governance.publication).
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    location = models.ForeignKey(Location, on_delete=models.CASCADE)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    policy_source = models.CharField(max_length=8, choices=PolicySource.choices)
    policy_version = models.PositiveIntegerField(default=1)
    last_optimized_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, db_index=True
    )
    published_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version last published to the ERP."
    )  # NULL by default, also for rows written by bulk loads
    # 64-bit history ids: every optimization run can add a version per SKU-location. What was
    # published is kept by the publications themselves (governance.PublishedPolicy).
    history = HistoricalRecords(
        history_id_field=models.BigAutoField(primary_key=True),
        excluded_fields=["published_version"],
    )

    class Meta:
        ordering = ["item", "location", "effective_from"]
        verbose_name_plural = "inventory policies"
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "effective_from"],
                name="inventorypolicy_natural_key",
            ),
            *non_negative(
                "inventorypolicy",
                "safety_stock",
                "reorder_point",
                "min_level",
                "max_level",
                "order_quantity",
            ),
            open_unit_interval("inventorypolicy", "service_target"),
            models.CheckConstraint(
                condition=Q(min_level__lte=F("max_level")), name="inventorypolicy_min_le_max"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="inventorypolicy_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} at {self.location} from {self.effective_from}"

    def clean(self) -> None:
        """Refuse a window that overlaps another policy of the same item-location."""
        overlapping = InventoryPolicy.objects.filter(
            item_id=self.item_id, location_id=self.location_id
        ).exclude(pk=self.pk)
        if self.effective_to is not None:
            overlapping = overlapping.filter(effective_from__lt=self.effective_to)
        overlapping = overlapping.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gt=self.effective_from)
        )
        if overlapping.exists():
            raise ValidationError(
                {"effective_from": "This window overlaps another policy of this item-location."}
            )


# Optimization runs live in their own module; importing them here registers them with the app.
from inventory.runs.models import (  # noqa: E402, F401
    NetworkSegmentation,
    PolicyRecommendation,
    PolicyRun,
    RecommendationPeriod,
    RunBatch,
    RunLogEntry,
    SkuLocationSegment,
)
