"""The streamed load's fast path accepts exactly what ``validate`` accepts, with the same values,
and hands every other chunk to the slow path, whose errors stay those of the API."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from demand.api.resources import DEMAND_HISTORY
from demand.models import DemandHistory
from sop_platform.bulk import stream
from sop_platform.bulk.fastpath import KnownIds, read_fast, validated
from sop_platform.bulk.parsing import parse_body
from sop_platform.bulk.validation import validate
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db
HEADER = "item,location,period_start,quantity,is_promotion"


@pytest.fixture
def references(db):
    make_location("DC-1")
    make_location("DC-2")
    for sku in ("SKU-1", "SKU-2", "SKU 3"):
        make_item(sku)


def _day(weeks_back: int) -> str:
    return (timezone.localdate() - timedelta(weeks=weeks_back)).isoformat()


def _body(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _both(body: bytes):
    """(fast path's result or None, slow path's result) for one CSV body."""
    fields, required = DEMAND_HISTORY.input_fields, DEMAND_HISTORY.required_fields
    fast = read_fast(DEMAND_HISTORY, body)
    fast = fast and validated(DEMAND_HISTORY, fast, KnownIds())
    return fast, validate(DEMAND_HISTORY, parse_body(body, "text/csv", fields, required))


@pytest.mark.parametrize(
    "body",
    [
        _body(f"SKU-1,DC-1,{_day(3)},4,true", f"SKU-2,DC-2,{_day(3)},0.5,false"),
        _body(f" SKU-1 , DC-1,{_day(3)} , 1e2 ,", f"SKU 3,DC-1,{_day(4)},7,YES"),
        _body(f"DC-1,SKU-1,{_day(2)},3", header="location,item,period_start,quantity"),
        _body(f"SKU-1,DC-1,{_day(3)},4,true").replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + _body(f"SKU-1,DC-1,{_day(3)},-0,f"),
    ],
    ids=["plain", "spaces-exponent-default", "reordered", "crlf", "bom"],
)
def test_the_fast_path_gives_the_slow_paths_values(references, body):
    fast, slow = _both(body)
    assert fast is not None and not slow.errors
    pd.testing.assert_frame_equal(fast.values, slow.values)


@pytest.mark.parametrize(
    "row",
    [
        f"NOPE,DC-1,{_day(3)},4,true",  # unknown item
        f",DC-1,{_day(3)},4,true",  # empty key
        f"SKU-1,DC-1,{_day(3)},-4,true",  # below the minimum
        f"SKU-1,DC-1,{_day(3)},nan,true",  # not a number
        f"SKU-1,DC-1,{_day(3)},4,maybe",  # not a boolean
        "SKU-1,DC-1,2020-02-30,4,true",  # no such day
        f"SKU-1,DC-1,{_day(3)},4",  # shorter than the header
        f'"SKU-1",DC-1,{_day(3)},4,true',  # quoted: the slow path reads it
        f"SKU-1,DC-1,{_day(3)},4,true\n",  # a blank line
        f"SKU-2,DC-2,{_day(3)},4,true",  # repeats the first row's key
    ],
)
def test_the_fast_path_leaves_what_it_cannot_vouch_for_to_the_slow_path(references, row):
    fast, _ = _both(_body(f"SKU-2,DC-2,{_day(3)},1,false", row))
    assert fast is None


def test_errors_of_a_streamed_load_are_the_slow_paths(tmp_path, capsys, references, monkeypatch):
    rows = [f"SKU-{n % 2 + 1},DC-{n % 2 + 1},{_day(n // 2 + 1)},{n},false" for n in range(12)]
    rows[6] = rows[6].replace("SKU-", "GONE-")  # row 7, in the third chunk
    rows[9] = rows[1]  # row 10 repeats the key of row 2, in another chunk
    extract = tmp_path / "demand.csv"
    extract.write_bytes(_body(*rows))

    def load() -> str:
        with pytest.raises(CommandError, match="2 rows rejected"):
            call_command("load_csv", "demand-history", str(extract), "--chunk-rows", "3")
        return capsys.readouterr().out

    fast = load()
    monkeypatch.setattr(stream, "read_fast", lambda *args: None)
    assert load() == fast
    assert "row 7, item: no item with SKU GONE-1" in fast
    assert "row 10, item/location/period_start: repeats the key of row 2" in fast
    assert not DemandHistory.objects.exists()


def test_a_streamed_load_through_the_fast_path_writes_every_row(tmp_path, capsys, references):
    rows = [f"SKU-{n % 3 + 1},DC-{n % 2 + 1},{_day(n // 6 + 1)},{n},true" for n in range(30)]
    rows = [r.replace("SKU-3", "SKU 3") for r in rows]
    extract = tmp_path / "demand.csv"
    extract.write_bytes(_body(*rows))
    call_command("load_csv", "demand-history", str(extract), "--chunk-rows", "7")
    assert "30 created" in capsys.readouterr().out
    assert sorted(DemandHistory.objects.values_list("quantity", flat=True)) == list(range(30))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="--backfill needs PostgreSQL")
def test_a_backfill_reserves_its_ids_from_the_tables_sequence(tmp_path, capsys, references):
    rows = [f"SKU-{n % 2 + 1},DC-1,{_day(n // 2 + 1)},{n},false" for n in range(10)]
    extract = tmp_path / "demand.csv"
    extract.write_bytes(_body(*rows))
    call_command("load_csv", "demand-history", str(extract), "--backfill", "--chunk-rows", "4")
    assert "10 created" in capsys.readouterr().out
    ids = sorted(DemandHistory.objects.values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 10))  # one block per chunk, in order
    later = DemandHistory.objects.create(
        item=DemandHistory.objects.first().item,
        location=DemandHistory.objects.first().location,
        period_start=timezone.localdate(),
        quantity=1,
    )
    assert later.id > ids[-1]  # the sequence moved past the reserved ids


def test_seen_keys_name_the_first_row_of_a_key_across_many_chunks():
    rng = np.random.default_rng(7)
    seen, first_row, offset = stream.SeenKeys(), {}, 0
    for size in (5, 5, 3, 8, 1, 5, 5, 13, 2):
        hashes = rng.integers(0, 40, size).astype(np.uint64)  # many repeats, some in-chunk
        hit, first = seen.repeats(hashes, offset)
        expected = [first_row[h] for h in hashes.tolist() if h in first_row]
        assert hit.tolist() == [h in first_row for h in hashes.tolist()]
        assert first.tolist() == expected
        for row, value in enumerate(hashes.tolist(), start=offset + 1):
            first_row.setdefault(value, row)
        offset += size


@pytest.mark.skipif(connection.vendor != "postgresql", reason="--backfill needs PostgreSQL")
@pytest.mark.parametrize("broken", ["SKU-1,DC-1,{day},1,false,surplus", "NEW-1,DC-1,{day},1,false"])
def test_a_backfill_failing_mid_copy_writes_nothing(tmp_path, references, broken):
    """A chunk that cannot be read (the open COPY is aborted) or holding a key the cache does not
    know (the COPY is ended for the lookup, then the load is rejected) leaves the table empty."""
    rows = [f"SKU-{n % 2 + 1},DC-{n % 2 + 1},{_day(n // 2 + 1)},{n},false" for n in range(12)]
    rows[10] = broken.format(day=_day(30))
    extract = tmp_path / "demand.csv"
    extract.write_bytes(_body(*rows))
    with pytest.raises(CommandError, match=r"line 12\b|1 rows rejected"):
        call_command("load_csv", "demand-history", str(extract), "--backfill", "--chunk-rows", "3")
    assert not DemandHistory.objects.exists()
    rows[10] = f"SKU 3,DC-1,{_day(30)},1,false"
    extract.write_bytes(_body(*rows))
    call_command("load_csv", "demand-history", str(extract), "--backfill", "--chunk-rows", "3")
    assert DemandHistory.objects.count() == 12
