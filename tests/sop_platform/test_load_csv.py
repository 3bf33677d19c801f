"""manage.py load_csv calls the same service as the API."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inventory.models import Item

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
