"""Item-location pairs as numbers: ranks of items and locations (*combos*), the cell of each
(location x category x segment), the SKU-locations a computation covers (*slots*, numbered in
cell order so a cell's slots are contiguous), and the 64-bit key the database packs (item,
location, day) into, so a row of a big table crosses as two numbers (key, value).
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, QuerySet
from django.db.models.expressions import RawSQL

SEGMENTS = ("", *(abc + xyz for abc in "ABC" for xyz in "XYZ"))
"""Segment codes: the index of a segment in this tuple ('' = none)."""
DENSE_PAIRS = 1 << 28
"""Most item x location combinations (and largest ids looked up in dense tables)."""


@dataclass(frozen=True)
class Pairs:
    """Maps (item, location) to its combo and its cell. Items and locations are ranked by
    id; a *combo* is item rank x locations + location rank."""

    item_ids: np.ndarray  # sorted
    location_ids: np.ndarray  # sorted
    item_category: np.ndarray  # category code per item rank
    combo_segment: np.ndarray  # segment code (index in SEGMENTS) per combo
    n_categories: int

    def combos(self, item_id: np.ndarray, location_id: np.ndarray) -> np.ndarray:
        """Combo of each pair; -1 where the item or the location is unknown."""
        items = rank_of(self.item_ids, item_id)
        locations = rank_of(self.location_ids, location_id)
        combo = items.astype(np.int64) * len(self.location_ids) + locations
        return np.where((items < 0) | (locations < 0), -1, combo)

    def cell_codes(self, combo: np.ndarray) -> np.ndarray:
        """A sortable code per combo: (location rank, category, segment)."""
        item, location = np.divmod(combo, len(self.location_ids))
        code = location * self.n_categories + self.item_category[item]
        return code * len(SEGMENTS) + self.combo_segment[combo]

    def cell_parts(self, code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(location id, category code, segment code) of cell codes."""
        rest, segment = np.divmod(code, len(SEGMENTS))
        location, category = np.divmod(rest, self.n_categories)
        return self.location_ids[location], category, segment


def rank_of(sorted_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Index of each wanted id in ``sorted_ids`` (-1 where absent); a dense table for small
    ids, else a binary search."""
    wanted = np.asarray(wanted, dtype=np.int64)
    if not len(sorted_ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    top = int(sorted_ids[-1])
    if top < DENSE_PAIRS:
        table = np.full(top + 2, -1, dtype=np.int64)
        table[sorted_ids] = np.arange(len(sorted_ids))
        return table[np.clip(wanted, -1, top + 1)]
    index = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    return np.where(sorted_ids[index] == wanted, index, -1)


@dataclass(frozen=True)
class Slots:
    """The SKU-locations with a position, numbered in cell order."""

    of_combo: np.ndarray  # slot per combo, -1 where none
    combo: np.ndarray  # combo per slot
    cell_code: np.ndarray  # per slot, nondecreasing

    def __len__(self) -> int:
        return len(self.combo)

    def of(self, combo: np.ndarray) -> np.ndarray:
        """The slot of each combo, -1 where none (or the combo is -1: an unknown pair)."""
        return np.where(combo >= 0, self.of_combo[combo], -1)


def slots_of(pairs: Pairs, combos: np.ndarray) -> "Slots":
    """The SKU-locations of ``combos`` (repeats allowed), numbered in cell order."""
    present = np.zeros(len(pairs.combo_segment), bool)
    present[combos] = True
    combo = np.flatnonzero(present)
    codes = pairs.cell_codes(combo)
    order = np.argsort(codes, kind="stable")
    of_combo = np.full(len(present), -1, dtype=np.int32)
    of_combo[combo[order]] = np.arange(len(combo), dtype=np.int32)
    return Slots(of_combo, combo[order], codes[order])


def days_since_sql(field: str, base: date) -> str:
    """SQL: whole days from ``base`` to the date column ``field`` (non-negative)."""
    if connection.vendor == "sqlite":
        return f"CAST(julianday({field}) - julianday('{base}') AS INTEGER)"
    return f"({field} - DATE '{base}')"


@dataclass(frozen=True)
class KeyCodec:
    """One int64 per (item, location, day): item | location | days-since-base bits, packed
    by the database, so a row of a big table crosses as two numbers (key, value)."""

    base: date  # a Monday: day 0 of week 0
    day_bits: int
    location_bits: int

    def annotate(self, queryset: QuerySet, item: str, location: str, day: str) -> QuerySet:
        """``queryset`` with the ``key`` of each row (its columns as qualified SQL names)."""
        shift = self.day_bits
        sql = (
            f"(({item} << {shift + self.location_bits}) | ({location} << {shift})"
            f" | {days_since_sql(day, self.base)})"
        )
        return queryset.annotate(key=RawSQL(sql, [], output_field=BigIntegerField()))

    def split(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(item id, location id, week, weekday) of packed keys."""
        item = key >> (self.day_bits + self.location_bits)
        location = (key >> self.day_bits) & ((1 << self.location_bits) - 1)
        days = key & ((1 << self.day_bits) - 1)
        week = (days * 74899) >> 19  # days // 7, exact below 65,536 days, without a division
        return item, location, week, days - 7 * week


def key_codec(base: date, weeks: int, pairs: Pairs) -> KeyCodec:
    """The codec of ``weeks`` weeks from ``base`` for these pairs; ValueError beyond limits."""
    if weeks * 7 >= 2**16:
        raise ValueError(f"{weeks:,} weeks at once: more than KPIs compute in one go.")
    top_location = int(pairs.location_ids.max(initial=1))
    codec = KeyCodec(base, (weeks * 7).bit_length(), top_location.bit_length())
    top_item = int(pairs.item_ids.max(initial=1))
    if top_item.bit_length() + codec.day_bits + codec.location_bits > 62:
        raise ValueError("Item and location ids too large to pack in one 64-bit key.")
    return codec


def column_sql(model, name: str) -> str:
    """The qualified SQL name of a model's field's column."""
    field = model._meta.get_field(name)
    quote = connection.ops.quote_name
    return f"{quote(model._meta.db_table)}.{quote(field.column)}"
