"""sop_platform.scan reads the same rows as query_columns, in chunks of pages (several
chunks and two connections on PostgreSQL outside a transaction), with sparse columns."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.db import connection

from inventory.models import InventoryPosition, Item
from sop_platform.arrays import query_columns
from sop_platform.scan import scan_columns
from tests.factories import make_item, make_location

COLUMNS = {"item_id": "int", "as_of": "date", "on_hand": "float", "in_transit": "float"}


def _positions(count: int) -> None:
    location = make_location()
    items = [make_item(f"S-{n}", unit_cost=None if n % 3 == 0 else n) for n in range(count)]
    InventoryPosition.objects.bulk_create(
        InventoryPosition(
            item=item,
            location=location,
            as_of=date(2026, 1, 5) + timedelta(n),
            on_hand=n - 5.5,
            in_transit=n % 4,
        )  # fmt: skip
        for n, item in enumerate(items)
    )


def _joined(chunks) -> dict[str, np.ndarray]:
    chunks = list(chunks)
    return {name: np.concatenate([chunk[name] for chunk in chunks]) for name in chunks[0]}


def _sorted(rows: dict[str, np.ndarray], by: str) -> dict[str, np.ndarray]:
    order = np.argsort(rows[by], kind="stable")
    return {name: values[order] for name, values in rows.items()}


def _same(scanned: dict, expected: dict) -> None:
    assert scanned.keys() == expected.keys()
    for name, values in expected.items():
        assert scanned[name].dtype == values.dtype, name
        np.testing.assert_array_equal(scanned[name], values, err_msg=name)


@pytest.mark.django_db
def test_same_rows_as_query_columns():
    _positions(30)
    expected = _sorted(query_columns(InventoryPosition.objects.all(), COLUMNS), "item_id")
    _same(_sorted(_joined(scan_columns(InventoryPosition.objects.all(), COLUMNS)), "item_id"),
          expected)  # fmt: skip
    costs = _joined(scan_columns(Item.objects.all(), {"id": "int", "unit_cost": "float"}))
    assert np.isnan(costs["unit_cost"]).sum() == 10  # NULL as NaN


@pytest.mark.django_db
def test_sparse_columns_keep_only_nonzero_rows():
    _positions(12)
    rows = _joined(scan_columns(InventoryPosition.objects.all(), COLUMNS,
                                sparse={"in_transit": ["item_id", "as_of"]}))  # fmt: skip
    assert len(rows["item_id"]) == 12 and len(rows["in_transit"]) == 9  # n % 4 != 0
    in_transit = dict(zip(rows["item_id@in_transit"], rows["in_transit"], strict=True))
    expected = dict(InventoryPosition.objects.filter(in_transit__gt=0)
                    .values_list("item_id", "in_transit"))  # fmt: skip
    assert in_transit == expected


@pytest.mark.django_db
def test_no_rows():
    rows = _joined(scan_columns(InventoryPosition.objects.all(), COLUMNS))
    assert all(len(values) == 0 for values in rows.values())
    assert rows["as_of"].dtype == np.dtype("datetime64[D]")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="page chunks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_chunks_read_in_parallel_connections():
    _positions(400)
    chunks = list(scan_columns(InventoryPosition.objects.all(), COLUMNS, rows_per_chunk=50))
    assert len(chunks) > 2
    expected = _sorted(query_columns(InventoryPosition.objects.all(), COLUMNS), "item_id")
    _same(_sorted(_joined(chunks), "item_id"), expected)
