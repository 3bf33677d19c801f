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


def demo_run_start() -> None:
    """The demo network (3 SKUs × 2 locations × 30 weeks) and a parametric run of it
    (RUNS_SYNC: it runs when its transaction commits)."""
    from io import StringIO

    from django.core.management import call_command

    from inventory.runs.scope import RunScope
    from inventory.runs.services import policy_run_start

    call_command(
        "load_demo", "--skus", "3", "--locations", "2", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    policy_run_start(scope=RunScope(), parameters={"demand_model": "parametric"})


def busiest_planned() -> tuple:
    """The busiest unblocked recommendation's SKU-location with a statistical forecast of
    its mean demand (± 30 %) for every week of the horizon: (recommendation, baseline)."""
    from demand.consensus.selectors import forecast_settings
    from inventory.models import PolicyRecommendation

    rec = (
        PolicyRecommendation.objects.filter(is_latest=True, blocked=False, demand_mean__gt=0)
        .select_related("item", "location", "run")
        .order_by("-demand_mean", "pk")
        .first()
    )
    baseline = round(rec.demand_mean, 1)
    weeks = [MONDAY + timedelta(weeks=k) for k in range(forecast_settings().horizon_periods)]
    Forecast.objects.filter(item=rec.item, location=rec.location, period_start__gte=MONDAY).delete()
    Forecast.objects.bulk_create(
        Forecast(
            item=rec.item,
            location=rec.location,
            period_start=week,
            kind=ForecastKind.STATISTICAL,
            as_of=MONDAY,
            quantity=baseline,
            lower=baseline * 0.7,
            upper=baseline * 1.3,
        )
        for week in weeks
    )
    return rec, baseline


@pytest.fixture
def planned(db, settings, pinned_now, django_capture_on_commit_callbacks):
    """The demo planned by a run, and :func:`busiest_planned`."""
    settings.RUNS_SYNC = True
    with django_capture_on_commit_callbacks(execute=True):
        demo_run_start()
    return busiest_planned()
