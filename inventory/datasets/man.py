"""MAN, a manufacturer's real spare-parts data (``../shared/data/man``), as bulk API rows.

Reads ``items.csv`` and ``demand_weekly.csv.gz`` and turns them into the rows of the bulk
resources, field by field as docs/real-data.md states: one warehouse, one supplier per lead
time (16 weeks: Asia, 7 weeks: the Netherlands), lead times in days, MOQ and order cost on the
supplier lane, the pack size as the unit of measure, explicit zero weeks kept, zero stock on
hand. Values stay text, as a CSV export carries them: the API validates them. Pure pandas;
nothing here touches the database.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ITEMS_FILE, DEMAND_FILE = "items.csv", "demand_weekly.csv.gz"
ITEM_COLUMNS = (
    "sku",
    "pack_size",
    "unit_cost_eur",
    "order_cost_eur",
    "holding_cost_eur_per_unit_year",
    "lead_time_weeks",
    "moq_units",
)
DEMAND_COLUMNS = ("sku", "week_start", "quantity")
SOURCE = "man"  # provenance recorded on every loaded row
LOCATION_CODE = "MAN-WH"
LOCATION = {"code": LOCATION_CODE, "name": "MAN warehouse", "location_type": "dc", "echelon": "1"}
SUPPLIERS = {  # lead time in weeks → (code, name), from the data set's README
    16: ("MAN-ASIA", "MAN supplier in Asia"),
    7: ("MAN-NL", "MAN supplier in the Netherlands"),
}
DAYS_PER_WEEK = 7
RATE_TOLERANCE = 1e-3  # holding cost / unit cost may differ from the one rate by rounding only


class ManDataError(ValueError):
    """The files break an assumption of the recipe; the message names the rows."""


@dataclass(frozen=True)
class ManData:
    """The two files as text, demand restricted to the items read."""

    items: pd.DataFrame
    demand: pd.DataFrame

    @property
    def first_week(self) -> date:
        """Monday of the earliest week of demand."""
        return date.fromisoformat(self.demand["week_start"].min())

    @property
    def last_week(self) -> date:
        """Monday of the latest week of demand."""
        return date.fromisoformat(self.demand["week_start"].max())


@dataclass(frozen=True)
class Payload:
    """Rows for one bulk resource (the API's field names) and the fields naming a row."""

    resource: str
    rows: pd.DataFrame
    label: tuple[str, ...]

    def batches(self, size: int) -> Iterator[pd.DataFrame]:
        """Consecutive slices of at most ``size`` rows."""
        for start in range(0, len(self.rows), size):
            yield self.rows.iloc[start : start + size]


def man_read(data_dir: Path, *, skus: int | None = None) -> ManData:
    """The files in ``data_dir``; the first ``skus`` items only when given."""
    items = _read(data_dir / ITEMS_FILE, ITEM_COLUMNS)
    if skus is not None:
        items = items.head(skus)
    demand = _read(data_dir / DEMAND_FILE, DEMAND_COLUMNS)
    demand = demand[demand["sku"].isin(items["sku"])].reset_index(drop=True)
    if demand.empty:
        raise ManDataError(f"{data_dir / DEMAND_FILE} has no week of the items read.")
    weeks = pd.to_datetime(demand["week_start"], format="%Y-%m-%d", errors="coerce")
    not_monday = demand["week_start"][weeks.dt.day_of_week != 0]
    if len(not_monday):
        raise ManDataError(f"week_start must be a Monday: {', '.join(not_monday.head(5))}.")
    lead_times = pd.to_numeric(items["lead_time_weeks"], errors="coerce")
    unknown = items["sku"][~lead_times.isin(list(SUPPLIERS))]
    if len(unknown):
        known = " or ".join(map(str, SUPPLIERS))
        raise ManDataError(f"lead_time_weeks is not {known} for {', '.join(unknown.head(5))}.")
    return ManData(items=items.reset_index(drop=True), demand=demand)


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise ManDataError(f"{path} is not a file.")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ManDataError(f"{path.name} has no column {', '.join(missing)}.")
    return frame[list(columns)]


def man_holding_rate(data: ManData) -> float:
    """The yearly holding rate: holding cost per unit-year / unit cost, one rate for all items
    (a run takes one). MAN states 20 %; raises :class:`ManDataError` if the items disagree."""
    cost = pd.to_numeric(data.items["unit_cost_eur"], errors="coerce")
    holding = pd.to_numeric(data.items["holding_cost_eur_per_unit_year"], errors="coerce")
    ratio = (holding / cost)[cost > 0]
    rate = round(float(ratio.median()), 4)
    off = data.items["sku"][ratio.index[(ratio - rate).abs() > RATE_TOLERANCE]]
    if len(off):
        raise ManDataError(f"holding cost is not {rate:.1%} of unit cost for {', '.join(off)}.")
    return rate


def man_payloads(data: ManData, *, as_of: date) -> list[Payload]:
    """Rows of every resource, in load order (referenced rows first); stock positions dated
    ``as_of``."""
    items = data.items
    weeks = pd.to_numeric(items["lead_time_weeks"])
    used = sorted(weeks.unique(), reverse=True)
    suppliers = pd.DataFrame([dict(zip(("code", "name"), SUPPLIERS[w], strict=True)) for w in used])
    return [
        Payload("locations", pd.DataFrame([LOCATION]), ("code",)),
        Payload("suppliers", suppliers, ("code",)),
        Payload("items", _items(items), ("sku",)),
        Payload("supplier-lanes", _lanes(items, weeks), ("item",)),
        Payload("inventory-positions", _positions(items, as_of), ("item",)),
        Payload("demand-history", _demand(data.demand), ("item", "period_start")),
    ]


def _items(items: pd.DataFrame) -> pd.DataFrame:
    """The unit is MAN's unit: a pack of ``pack_size`` products (``PK50``; ``EA`` for 1)."""
    pack = items["pack_size"].str.strip()
    return pd.DataFrame(
        {
            "sku": items["sku"],
            "unit_cost": items["unit_cost_eur"],
            "unit_of_measure": ("PK" + pack).where(pack != "1", "EA"),
        }
    )


def _lanes(items: pd.DataFrame, weeks: pd.Series) -> pd.DataFrame:
    """Promised lead time in days (no receipts: runs plan with it and a lead-time sd of 0)."""
    return pd.DataFrame(
        {
            "supplier": weeks.map(lambda w: SUPPLIERS[w][0]),
            "item": items["sku"],
            "destination": LOCATION_CODE,
            "promised_lead_time_days": (weeks * DAYS_PER_WEEK).astype(int).astype(str),
            "moq": items["moq_units"],
            "order_cost": items["order_cost_eur"],
        }
    )


def _positions(items: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """No stock on hand in the data: every SKU starts from zero, nothing on order."""
    return pd.DataFrame(
        {
            "item": items["sku"],
            "location": LOCATION_CODE,
            "as_of": as_of.isoformat(),
            "on_hand": "0",
        }
    )


def _demand(demand: pd.DataFrame) -> pd.DataFrame:
    """Every week as given, zeros included (a week without a row would be missing, not 0)."""
    return pd.DataFrame(
        {
            "item": demand["sku"],
            "location": LOCATION_CODE,
            "period_start": demand["week_start"],
            "quantity": demand["quantity"],
        }
    )


def default_as_of(data: ManData) -> date:
    """The Monday after the last week of demand: a run's window then ends with that week."""
    return data.last_week + timedelta(days=DAYS_PER_WEEK)
