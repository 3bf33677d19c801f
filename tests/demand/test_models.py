"""The database refuses duplicate natural keys and negative demand (demand app)."""

from datetime import date

import pytest
from django.db import connection

from demand.choices import ForecastKind
from demand.models import Forecast
from tests.factories import make_demand, make_item, make_location
from tests.inventory.test_models import refused

pytestmark = pytest.mark.django_db


def test_duplicate_demand_period_is_refused_and_others_are_fine():
    item, location = make_item(), make_location()
    make_demand(item, location)
    assert refused(lambda: make_demand(item, location))
    make_demand(item, location, period_start=date(2026, 1, 12))
    make_demand(make_item("SKU-2"), location)


def test_negative_demand_is_refused():
    assert refused(lambda: make_demand(make_item(), make_location(), quantity=-1))


def test_forecast_versions_coexist_but_duplicates_are_refused():
    item, location = make_item(), make_location()
    row = {"period_start": date(2026, 2, 2), "quantity": 5, "kind": ForecastKind.STATISTICAL}
    Forecast.objects.create(item=item, location=location, as_of=date(2026, 1, 5), **row)
    Forecast.objects.create(item=item, location=location, as_of=date(2026, 1, 12), **row)
    assert refused(
        lambda: Forecast.objects.create(item=item, location=location, as_of=date(2026, 1, 5), **row)
    )
    negative = {**row, "quantity": -2}
    assert refused(
        lambda: Forecast.objects.create(
            item=item, location=location, as_of=date(2026, 1, 19), **negative
        )
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes: PostgreSQL")
def test_the_history_key_covers_what_runs_read():
    """A run reads a batch's history from the natural key's index alone (demand 0003)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'demandhistory_natural_key'"
        )
        (definition,) = cursor.fetchone()
    assert definition == (
        "UNIQUE (item_id, location_id, period_start) INCLUDE (quantity, is_promotion)"
    )
