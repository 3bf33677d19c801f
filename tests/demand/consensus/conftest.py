"""Data of the consensus plan's tests: one SKU-location with statistical forecasts of four
weeks from the pinned Monday (2026-11-23), a second manager, a planner scoped elsewhere."""

from datetime import date, timedelta

import pytest

from demand.choices import ForecastKind
from demand.models import Forecast
from governance.choices import Role
from governance.services import location_scope_grant
from tests.factories import make_item, make_location

MONDAY = date(2026, 11, 23)  # the week of tests.clock.PINNED_NOW
WEEKS = [MONDAY + timedelta(weeks=k) for k in range(4)]
BASELINE = 100.0


@pytest.fixture
def sku(db, pinned_now):
    """(item, location) with statistical forecasts of 100 (80–120) per week, made on
    2026-11-23, over older ones of 90 made a week earlier."""
    item, location = make_item(), make_location()
    for week in WEEKS:
        for as_of, quantity in ((MONDAY - timedelta(weeks=1), 90.0), (MONDAY, BASELINE)):
            Forecast.objects.create(
                item=item,
                location=location,
                period_start=week,
                kind=ForecastKind.STATISTICAL,
                as_of=as_of,
                quantity=quantity,
                lower=quantity - 20,
                upper=quantity + 20,
            )
    return item, location


def _user(django_user_model, role: str, username: str, **flags):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username=username, password="test-password-123", **flags
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def other_manager(db, django_user_model):
    """A second manager with the whole network."""
    user = _user(django_user_model, Role.MANAGER, "test-manager-2", is_staff=True)
    location_scope_grant(user=user, whole_network=True)
    return user


@pytest.fixture
def elsewhere_manager(db, django_user_model):
    """A manager scoped to another location only."""
    user = _user(django_user_model, Role.MANAGER, "test-manager-elsewhere", is_staff=True)
    location_scope_grant(user=user, locations=[make_location("DC-9")])
    return user
