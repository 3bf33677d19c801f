"""``columns_insert`` and ``columns_update``: many rows in one statement, as the ORM stores them."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import PlanningException
from sop_platform.rows import columns_insert, columns_update
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db


def test_insert_then_update_round_trips_through_the_orm():
    items = [make_item(f"SKU-{n}") for n in range(3)]
    location = make_location()
    with CaptureQueriesContext(connection) as queries:
        count = columns_insert(
            PlanningException,
            {
                "item_id": [item.pk for item in items],
                "location_id": [location.pk] * 3,
                "kind": ["data_quality", "excess_risk", "stockout_risk"],
                "severity": ["high", "medium", "medium"],
                "reasons": [["DEMAND_MISSING"], [], ["A", "B"]],
                "batch_number": [1, 1, 2],
                "due_date": [date(2026, 12, 1)] * 3,
            },
        )
    # One executemany; on PostgreSQL one COPY, sent by psycopg itself and not logged by Django.
    assert count == 3 and len(queries) == (0 if connection.vendor == "postgresql" else 1)
    rows = list(PlanningException.objects.order_by("item__sku"))
    assert [r.reasons for r in rows] == [["DEMAND_MISSING"], [], ["A", "B"]]
    assert {(r.status, r.detail, r.resolution_notes, r.owner_id) for r in rows} == {
        ("open", "", "", None)  # model defaults, as bulk_create would give them
    }
    assert all(r.created_at is not None and timezone.is_aware(r.created_at) for r in rows)

    later = timezone.now()
    columns_update(
        PlanningException,
        {
            "pk": [rows[0].pk, rows[2].pk],
            "reasons": [["COST_INVALID"], []],
            "severity": ["medium", "high"],
            "updated_at": [later, later],
        },
    )
    again = {r.pk: r for r in PlanningException.objects.all()}
    assert (again[rows[0].pk].reasons, again[rows[0].pk].severity) == (["COST_INVALID"], "medium")
    assert (again[rows[2].pk].reasons, again[rows[2].pk].severity) == ([], "high")
    assert again[rows[1].pk].reasons == [] and again[rows[1].pk].severity == "medium"
    assert again[rows[0].pk].updated_at == later


def test_nothing_to_write_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert columns_insert(PlanningException, {"kind": []}) == 0
        assert columns_update(PlanningException, {"pk": [], "kind": []}) == 0
    assert len(queries) == 0
