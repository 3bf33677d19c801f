"""The database itself refuses duplicate natural keys and broken invariants (inventory app)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory.choices import ServiceType
from inventory.models import InventoryPosition, Item, NetworkLane, ServiceLevelClass
from tests.factories import make_item, make_location, make_policy

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    """True when the database raises IntegrityError for ``create()``."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_duplicate_sku_is_refused():
    make_item("SKU-1")
    assert refused(lambda: make_item("SKU-1"))
    assert Item.objects.count() == 1


def test_duplicate_location_code_is_refused():
    make_location("DC-1")
    assert refused(lambda: make_location("DC-1"))


@pytest.mark.parametrize("field", ["unit_cost", "unit_price"])
def test_negative_money_on_item_is_refused(field):
    assert refused(lambda: make_item("SKU-9", **{field: -1}))


def test_missing_cost_is_allowed_for_later_flagging():
    assert make_item("SKU-9", unit_cost=None).unit_cost is None


def test_zero_shelf_life_is_refused():
    assert refused(lambda: make_item("SKU-9", shelf_life_days=0))


def test_negative_capacity_and_echelon_zero_are_refused():
    assert refused(lambda: make_location("X", storage_capacity=-5))
    assert refused(lambda: make_location("Y", echelon=0))


def test_network_lane_natural_key_and_no_loops():
    plant, dc = make_location("PLANT", echelon=1), make_location("DC-1")
    lane = {"transfer_lead_time_mean_days": 3}
    NetworkLane.objects.create(origin=plant, destination=dc, **lane)
    assert refused(lambda: NetworkLane.objects.create(origin=plant, destination=dc, **lane))
    assert refused(lambda: NetworkLane.objects.create(origin=dc, destination=dc, **lane))
    assert refused(
        lambda: NetworkLane.objects.create(
            origin=dc, destination=plant, transfer_lead_time_mean_days=-1
        )
    )


@pytest.mark.parametrize("field", ["in_transit", "allocated", "backordered"])
def test_negative_position_quantities_are_refused(field):
    item, location = make_item(), make_location()
    row = {"as_of": date(2026, 11, 23), "on_hand": 5, field: -1}
    assert refused(lambda: InventoryPosition.objects.create(item=item, location=location, **row))


def test_negative_on_hand_is_stored_for_flagging_and_key_is_unique():
    item, location = make_item(), make_location()
    row = {"as_of": date(2026, 11, 23), "on_hand": -3}
    InventoryPosition.objects.create(item=item, location=location, **row)
    assert refused(lambda: InventoryPosition.objects.create(item=item, location=location, **row))


@pytest.mark.parametrize("target", [0, 1, -0.2, 1.5])
def test_service_level_outside_open_interval_is_refused(target):
    assert refused(
        lambda: ServiceLevelClass.objects.create(
            code="AX", target=target, service_type=ServiceType.CYCLE
        )
    )


def test_service_level_class_code_is_unique():
    ServiceLevelClass.objects.create(code="AX", target=0.99, service_type=ServiceType.FILL)
    assert refused(
        lambda: ServiceLevelClass.objects.create(
            code="AX", target=0.95, service_type=ServiceType.CYCLE
        )
    )


def test_policy_natural_key_is_unique():
    item, location = make_item(), make_location()
    make_policy(item, location)
    assert refused(lambda: make_policy(item, location))


@pytest.mark.parametrize(
    "fields",
    [
        {"safety_stock": -1},
        {"reorder_point": -1},
        {"order_quantity": -0.5},
        {"service_target": 1.0},
        {"min_level": 90, "max_level": 80},
        {"effective_to": date(2026, 1, 5)},
    ],
)
def test_policy_invariants_are_enforced_by_the_database(fields):
    item, location = make_item(), make_location()
    assert refused(lambda: make_policy(item, location, **fields))


def test_policy_clean_refuses_overlapping_windows_but_allows_time_phasing():
    item, location = make_item(), make_location()
    make_policy(item, location, effective_to=date(2026, 6, 1))
    later = make_policy(item, location, effective_from=date(2026, 6, 1))
    later.full_clean()  # adjacent seasonal window: fine
    overlapping = make_policy(item, location, effective_from=date(2026, 3, 2))
    with pytest.raises(ValidationError, match="overlaps"):
        overlapping.full_clean()


def test_every_policy_change_is_recorded_in_history():
    policy = make_policy(make_item(), make_location())
    policy.safety_stock = 25
    policy.save()
    history = list(policy.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert [h.safety_stock for h in history] == [10, 25]
