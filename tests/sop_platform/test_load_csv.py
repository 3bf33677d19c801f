"""manage.py load_csv: the bulk API's rules, streamed in chunks; --backfill on PostgreSQL."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from demand.models import DemandHistory
from inventory.models import Item
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db


def test_load_csv_creates_then_reports_unchanged(tmp_path, capsys):
    extract = tmp_path / "items.csv"
    extract.write_text("sku,description\nA-1,Anchor\nA-2,Buoy\n")
    call_command("load_csv", "items", str(extract), "--source", "erp")
    assert "2 created" in capsys.readouterr().out
    assert set(Item.objects.values_list("sku", "source")) == {("A-1", "erp"), ("A-2", "erp")}
    call_command("load_csv", "items", str(extract), "--source", "erp")
    assert "2 unchanged" in capsys.readouterr().out
    call_command("load_csv", "items", str(extract), "--source", "wms")  # provenance changed
    assert "2 updated" in capsys.readouterr().out


def test_load_csv_rejects_bad_rows_with_their_errors(tmp_path, capsys):
    extract = tmp_path / "items.csv"
    extract.write_text("sku,unit_cost\nA-1,abc\n")
    with pytest.raises(CommandError, match="1 rows rejected"):
        call_command("load_csv", "items", str(extract))
    assert "row 1, unit_cost: must be a number" in capsys.readouterr().out
    assert not Item.objects.exists()


def test_load_csv_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("load_csv", "items", str(tmp_path / "nope.csv"))


# Streaming: a CSV goes through in chunks of --chunk-rows records, in one transaction.


def _items_csv(path, count: int, bad_row: int | None = None, repeat: tuple | None = None):
    """``count`` items A-1..A-n; ``bad_row`` gets a non-numeric cost; ``repeat`` = (row, of)
    makes that row repeat the SKU of an earlier row."""
    lines = ["sku,description,unit_cost"]
    for row in range(1, count + 1):
        sku = f"A-{repeat[1] if repeat and row == repeat[0] else row}"
        cost = "abc" if row == bad_row else str(row)
        lines.append(f'{sku},"Item, number {row}",{cost}')
    path.write_text("\n".join(lines) + "\n")
    return path


def _items() -> set[tuple]:
    return set(Item.objects.values_list("sku", "description", "unit_cost", "source"))


def test_streaming_in_chunks_gives_the_one_shot_result(tmp_path, capsys):
    extract = _items_csv(tmp_path / "items.csv", 11)
    call_command("load_csv", "items", str(extract), "--chunk-rows", "1000")
    one_shot = _items()
    Item.objects.all().delete()
    call_command("load_csv", "items", str(extract), "--chunk-rows", "3")
    assert "11 created" in capsys.readouterr().out
    assert _items() == one_shot and len(one_shot) == 11


def test_a_bad_row_in_the_last_chunk_rejects_the_whole_file(tmp_path, capsys):
    extract = _items_csv(tmp_path / "items.csv", 8, bad_row=8)
    with pytest.raises(CommandError, match="1 rows rejected"):
        call_command("load_csv", "items", str(extract), "--chunk-rows", "3")
    assert "row 8, unit_cost: must be a number" in capsys.readouterr().out
    assert not Item.objects.exists()


def test_a_key_repeated_in_a_later_chunk_is_rejected_with_file_rows(tmp_path, capsys):
    extract = _items_csv(tmp_path / "items.csv", 7, repeat=(6, 2))
    with pytest.raises(CommandError, match="1 rows rejected"):
        call_command("load_csv", "items", str(extract), "--chunk-rows", "2")
    assert "row 6, sku: repeats the key of row 2" in capsys.readouterr().out
    assert not Item.objects.exists()


def test_partial_writes_the_good_rows_of_every_chunk(tmp_path, capsys):
    extract = _items_csv(tmp_path / "items.csv", 8, bad_row=5)
    call_command("load_csv", "items", str(extract), "--chunk-rows", "3", "--partial")
    out = capsys.readouterr().out
    assert "7 created" in out and "1 rejected" in out and "row 5, unit_cost" in out
    assert Item.objects.count() == 7 and not Item.objects.filter(sku="A-5").exists()


def test_progress_goes_to_stderr(tmp_path, capsys):
    call_command("load_csv", "items", str(_items_csv(tmp_path / "items.csv", 5)))
    err = capsys.readouterr().err
    assert "items [" in err and "5 rows" in err and "rows/s" in err


def test_the_file_is_read_in_chunks_never_whole(tmp_path, monkeypatch):
    from pathlib import Path

    from sop_platform.bulk import stream

    def refuse(self):
        raise AssertionError(f"read whole: {self}")

    bodies = []
    parse = stream.parse_body
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(
        stream,
        "parse_body",
        lambda body, *args, **kwargs: bodies.append(body) or parse(body, *args, **kwargs),
    )
    extract = _items_csv(tmp_path / "items.csv", 10)
    call_command("load_csv", "items", str(extract), "--chunk-rows", "4")
    assert [body.count(b"\n") - 1 for body in bodies] == [4, 4, 2]  # records after the header
    assert Item.objects.count() == 10


def test_a_parse_error_names_the_file_line(tmp_path):
    extract = _items_csv(tmp_path / "items.csv", 6)
    text = extract.read_text().splitlines()
    text[5] += ",surplus"  # line 6 of the file, in the second chunk
    extract.write_text("\n".join(text) + "\n")
    with pytest.raises(CommandError, match=r"line 6\b"):
        call_command("load_csv", "items", str(extract), "--chunk-rows", "3")


# --backfill (PostgreSQL): indexes and foreign keys dropped, rows copied, all rebuilt.

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="--backfill needs PostgreSQL"
)


def _demand_csv(path, skus: list[str], weeks: int, unknown_row: int | None = None):
    """Every SKU at DC-1 for ``weeks`` weeks; ``unknown_row`` names an unknown SKU."""
    first = timezone.localdate() - timedelta(weeks=weeks + 2)
    lines = ["item,location,period_start,quantity"]
    for sku in skus:
        for week in range(weeks):
            day = (first + timedelta(weeks=week)).isoformat()
            lines.append(f"{sku},DC-1,{day},{week}")
    if unknown_row:
        lines[unknown_row] = lines[unknown_row].replace(lines[unknown_row].split(",")[0], "NOPE")
    path.write_text("\n".join(lines) + "\n")
    return path


def _structure() -> tuple[int, int]:
    """(indexes, validated foreign keys) of the demand-history table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'demand_demandhistory'")
        indexes = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated "
            "AND conrelid = 'demand_demandhistory'::regclass"
        )
        return indexes, cursor.fetchone()[0]


@pytest.fixture
def demand_references(db):
    make_location("DC-1")
    return [make_item(f"SKU-{n}").sku for n in range(1, 4)]


@on_postgres
def test_backfill_keeps_indexes_and_foreign_keys(tmp_path, capsys, demand_references):
    before = _structure()
    assert before[1] == 2  # item and location
    extract = _demand_csv(tmp_path / "demand.csv", demand_references, 5)
    call_command("load_csv", "demand-history", str(extract), "--backfill", "--chunk-rows", "4")
    assert "15 created" in capsys.readouterr().out
    assert DemandHistory.objects.count() == 15
    assert _structure() == before


@on_postgres
def test_backfill_rejects_an_unknown_item_with_its_row(tmp_path, capsys, demand_references):
    before = _structure()
    extract = _demand_csv(tmp_path / "demand.csv", demand_references, 5, unknown_row=12)
    with pytest.raises(CommandError, match="1 rows rejected"):
        call_command("load_csv", "demand-history", str(extract), "--backfill", "--chunk-rows", "4")
    assert "row 12, item: no item with SKU NOPE" in capsys.readouterr().out
    assert not DemandHistory.objects.exists()
    assert _structure() == before


@on_postgres
def test_backfill_into_a_table_with_rows_does_not_duplicate(tmp_path, capsys, demand_references):
    first = _demand_csv(tmp_path / "first.csv", demand_references[:2], 5)
    call_command("load_csv", "demand-history", str(first), "--backfill")
    capsys.readouterr()
    both = _demand_csv(tmp_path / "both.csv", demand_references, 5)
    call_command("load_csv", "demand-history", str(both), "--backfill", "--chunk-rows", "4")
    assert "5 created, 0 updated, 10 unchanged" in capsys.readouterr().out
    keys = DemandHistory.objects.values_list("item_id", "location_id", "period_start")
    assert keys.count() == len(set(keys)) == 15
    assert _structure()[1] == 2


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite refuses --backfill")
def test_backfill_needs_postgresql(tmp_path):
    extract = _demand_csv(tmp_path / "demand.csv", ["SKU-1"], 1)
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("load_csv", "demand-history", str(extract), "--backfill")
