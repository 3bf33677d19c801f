"""Writes of the supply app: lead-time actuals per supplier lane and lane-change events.

``lead_time_actuals_refresh`` is set-based whatever the number of lanes: three reads (lane
keys, received purchase-order lines with their last receipt, previous actuals), per-lane
statistics in numpy, then one UPDATE stamping the lanes' rows with this refresh, a bulk upsert
of the rows whose figures changed, and one bulk insert of the events.
The definitions are documented on ``LaneLeadTimeActual`` and ``LaneChangeEvent``; the
arithmetic is in the pure functions ``lane_positions``, ``lane_figures`` and ``lane_shifts``.
"""

import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from supply.choices import LaneShift, PurchaseOrderStatus
from supply.models import LaneChangeEvent, LaneLeadTimeActual, PurchaseOrderLine, SupplierLane
from supply.selectors import MIN_LINES_FOR_SD, LeadTimeSettings, lead_time_settings
from supply.signals import lane_changes_recorded

TREND_PERIOD_DAYS = 91
"""The trend compares two periods of 3 months, taken as 13 weeks (the planning period)."""
RECEIVED_SHARE = 1 - 1e-9
"""A line is received in full at this share of its quantity: receipts are summed as floats."""
CLOSED_STATUSES = (PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CANCELLED)
"""Statuses of lines the ERP expects nothing more on, even when received short."""
UPSERT_BATCH = 5_000


@dataclass(frozen=True)
class RefreshReport:
    """Outcome of one refresh: lanes computed, lines used, trusted and changed lanes, events."""

    as_of: date
    lanes: int
    received_lines: int  # received PO lines in the history window, on a lane in scope
    trusted_lanes: int
    changed_lanes: int  # lanes whose row was written: new, or figures changed
    events: int
    seconds: float


@dataclass(frozen=True)
class LaneKeys:
    """Lanes in scope, in id order: id and natural key (arrays of equal length)."""

    id: np.ndarray
    supplier: np.ndarray
    item: np.ndarray
    destination: np.ndarray


@dataclass(frozen=True)
class ReceivedLines:
    """Received PO lines: natural key of their lane, and day counts (arrays of equal length).

    ``age_days`` is as-of date minus last receipt date (0 = received on the as-of date).
    """

    supplier: np.ndarray
    item: np.ndarray
    destination: np.ndarray
    lead_time_days: np.ndarray
    lateness_days: np.ndarray
    age_days: np.ndarray


@dataclass(frozen=True)
class LaneFigures:
    """Per-lane actuals (arrays indexed by lane position); NaN where undefined."""

    received_lines: np.ndarray
    mean_days: np.ndarray
    sd_days: np.ndarray
    mean_lateness_days: np.ndarray
    on_time_rate: np.ndarray
    trend_days: np.ndarray

    @property
    def figures(self) -> tuple[np.ndarray, ...]:
        """The float figures, in the order of ``LaneLeadTimeActual``'s fields."""
        return (
            self.mean_days,
            self.sd_days,
            self.mean_lateness_days,
            self.on_time_rate,
            self.trend_days,
        )


@transaction.atomic
def lead_time_actuals_refresh(
    *, as_of: date | None = None, lanes: QuerySet[SupplierLane] | None = None
) -> RefreshReport:
    """Recompute the actuals of every lane in ``lanes`` (default: all) and record shifts.

    Run after each receipts load. ``as_of`` (default today) ends the history window. Every
    lane in scope gets a row with this refresh's figures, lanes without received lines
    included (count 0, empty figures), so stale actuals never linger. A lane-change event is
    recorded where the previous and new actuals are both trusted and the mean or sd moved
    beyond the threshold.
    """
    started = time.perf_counter()
    config, as_of = lead_time_settings(), as_of or timezone.localdate()
    keys = _lane_keys(lanes)
    fetch_days = max(config.history_days, 2 * TREND_PERIOD_DAYS)
    lines = _received_lines(as_of=as_of, days=fetch_days, lanes=lanes)
    position = lane_positions(
        (keys.supplier, keys.item, keys.destination),
        (lines.supplier, lines.item, lines.destination),
    )
    figures = lane_figures(position, lines, lanes=len(keys.id), config=config)
    previous, stored = _previous_actuals(keys.id, lanes)
    changed = _changed(previous, stored, figures)
    now = timezone.now()
    window_start = as_of - timedelta(days=config.history_days - 1)
    stamp = {"computed_at": now, "as_of": as_of, "window_start": window_start}
    _actuals_write(keys.id, figures, changed, lanes=lanes, stamp=stamp)
    mean_shift, sd_shift = lane_shifts(previous, figures, config=config)
    events = _events_record(keys.id, previous, figures, (mean_shift, sd_shift), config, as_of, now)
    if events:
        lane_changes_recorded.send(sender=lead_time_actuals_refresh, events=events)
    return RefreshReport(
        as_of=as_of,
        lanes=len(keys.id),
        received_lines=int(figures.received_lines.sum()),
        trusted_lanes=int((figures.received_lines >= config.min_received_lines).sum()),
        changed_lanes=int(changed.sum()),
        events=events,
        seconds=time.perf_counter() - started,
    )


def _lane_keys(lanes: QuerySet[SupplierLane] | None) -> LaneKeys:
    """Ids and natural keys of the lanes in scope (one query)."""
    lanes = SupplierLane.objects.all() if lanes is None else lanes
    rows = lanes.order_by("pk").values_list("pk", "supplier_id", "item_id", "destination_id")
    columns = list(zip(*rows, strict=True)) or [(), (), (), ()]
    return LaneKeys(*(np.array(column, dtype=np.int64) for column in columns))


def _received_lines(
    *, as_of: date, days: int, lanes: QuerySet[SupplierLane] | None
) -> ReceivedLines:
    """PO lines received in full whose last receipt up to ``as_of`` is within ``days`` of it.

    One aggregate query: receipts up to ``as_of`` grouped by PO line. A line counts when its
    receipts reach the ordered quantity or the ERP closed it (received or cancelled).
    """
    query = PurchaseOrderLine.objects.filter(receipt__receipt_date__lte=as_of)
    if lanes is not None:
        query = query.filter(
            Exists(
                lanes.filter(
                    supplier=OuterRef("supplier"),
                    item=OuterRef("item"),
                    destination=OuterRef("destination"),
                )
            )
        )
    rows = (
        query.values("pk", "quantity", "status")
        .annotate(last_receipt=Max("receipt__receipt_date"), received=Sum("receipt__quantity"))
        .filter(last_receipt__gt=as_of - timedelta(days=days))
        .filter(Q(received__gte=F("quantity") * RECEIVED_SHARE) | Q(status__in=CLOSED_STATUSES))
        .values_list(
            "supplier_id",
            "item_id",
            "destination_id",
            "order_date",
            "promised_date",
            "last_receipt",
        )
    )
    return _as_day_counts(list(rows), as_of)


def _as_day_counts(rows: list[tuple], as_of: date) -> ReceivedLines:
    """Arrays from (supplier, item, destination, ordered, promised, received) rows."""
    count = len(rows)
    columns = list(zip(*rows, strict=True)) or [()] * 6
    supplier, item, destination = (np.array(c, dtype=np.int64) for c in columns[:3])
    # Day numbers through date.toordinal: much faster than numpy's parsing of date objects.
    ordered, promised, received = (
        np.fromiter(map(date.toordinal, c), dtype=np.int64, count=count) for c in columns[3:]
    )
    return ReceivedLines(
        supplier=supplier,
        item=item,
        destination=destination,
        lead_time_days=(received - ordered).astype(float),
        lateness_days=(received - promised).astype(float),
        age_days=as_of.toordinal() - received,
    )


def lane_positions(lanes: tuple[np.ndarray, ...], lines: tuple[np.ndarray, ...]) -> np.ndarray:
    """Position in ``lanes`` of each line's key (same columns, e.g. supplier, item,
    destination), or -1 when no lane has it. Lane keys must be unique.

    Each column is ranked among the lanes' values, and the ranks are combined into one
    integer code (mixed radix), so the match is a sort and a binary search.
    """
    known = np.ones(len(lines[0]), dtype=bool)
    if len(lanes[0]) == 0:
        return np.full(len(lines[0]), -1, dtype=np.int64)
    radix = [len(np.unique(column)) for column in lanes]
    if math.prod(radix) >= 2**63:  # cannot happen below about two million lanes
        raise OverflowError("Too many distinct lane keys to combine into one 64-bit code.")
    lane_code = np.zeros(len(lanes[0]), dtype=np.int64)
    line_code = np.zeros(len(lines[0]), dtype=np.int64)
    for lane_column, line_column, size in zip(lanes, lines, radix, strict=True):
        values = np.unique(lane_column)
        rank = np.minimum(np.searchsorted(values, line_column), size - 1)
        known &= values[rank] == line_column
        lane_code = lane_code * size + np.searchsorted(values, lane_column)
        line_code = line_code * size + rank
    order = np.argsort(lane_code)
    hit = order[np.minimum(np.searchsorted(lane_code, line_code, sorter=order), len(order) - 1)]
    known &= lane_code[hit] == line_code
    return np.where(known, hit, -1)


def _group_mean(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Mean of ``values`` per group (NaN for an empty group)."""
    count = np.bincount(group, minlength=groups)
    total = np.bincount(group, weights=values, minlength=groups)
    return np.divide(total, count, out=np.full(groups, np.nan), where=count > 0)


def _group_sd(group: np.ndarray, values: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Sample standard deviation (n - 1) per group, NaN below two values; two-pass for
    accuracy (squared deviations from the group mean, not sum of squares minus square)."""
    groups = len(mean)
    count = np.bincount(group, minlength=groups)
    squares = np.bincount(group, weights=(values - mean[group]) ** 2, minlength=groups)
    variance = np.divide(
        squares, count - 1, out=np.full(groups, np.nan), where=count >= MIN_LINES_FOR_SD
    )
    return np.sqrt(variance)


def lane_figures(
    position: np.ndarray, lines: ReceivedLines, *, lanes: int, config: LeadTimeSettings
) -> LaneFigures:
    """Per-lane count, mean and sd of lead time, mean lateness, on-time rate and trend.

    ``position`` maps each line to its lane (-1 = no lane in scope, ignored). Lines received
    before they were ordered (negative lead time) are data errors and ignored too.
    """
    usable = (position >= 0) & (lines.lead_time_days >= 0)
    window = usable & (lines.age_days < config.history_days)
    lane, lead_time = position[window], lines.lead_time_days[window]
    mean = _group_mean(lane, lead_time, lanes)
    on_time = lines.lateness_days[window] <= config.on_time_tolerance_days
    recent = usable & (lines.age_days < TREND_PERIOD_DAYS)
    before = usable & ~recent & (lines.age_days < 2 * TREND_PERIOD_DAYS)
    return LaneFigures(
        received_lines=np.bincount(lane, minlength=lanes),
        mean_days=mean,
        sd_days=_group_sd(lane, lead_time, mean),
        mean_lateness_days=_group_mean(lane, lines.lateness_days[window], lanes),
        on_time_rate=_group_mean(lane, on_time.astype(float), lanes),
        trend_days=(
            _group_mean(position[recent], lines.lead_time_days[recent], lanes)
            - _group_mean(position[before], lines.lead_time_days[before], lanes)
        ),
    )


def lane_shifts(
    previous: LaneFigures, new: LaneFigures, *, config: LeadTimeSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(mean shifted, sd shifted) per lane: both actuals trusted and the figure moved by more
    than max(relative threshold x previous value, minimum days)."""
    trusted = (previous.received_lines >= config.min_received_lines) & (
        new.received_lines >= config.min_received_lines
    )

    def moved(before: np.ndarray, after: np.ndarray) -> np.ndarray:
        limit = np.maximum(config.shift_threshold * before, config.shift_min_days)
        with np.errstate(invalid="ignore"):  # NaN where untrusted; masked below
            return trusted & (np.abs(after - before) > limit)

    return moved(previous.mean_days, new.mean_days), moved(previous.sd_days, new.sd_days)


def _stored(lanes: QuerySet[SupplierLane] | None) -> QuerySet[LaneLeadTimeActual]:
    """Stored actuals of the lanes in scope."""
    stored = LaneLeadTimeActual.objects.all()
    return stored if lanes is None else stored.filter(lane__in=lanes.values("pk"))


_FIGURE_FIELDS = (
    "mean_lead_time_days",
    "sd_lead_time_days",
    "mean_lateness_days",
    "on_time_rate",
    "trend_days",
)


def _previous_actuals(
    lane_ids: np.ndarray, lanes: QuerySet[SupplierLane] | None
) -> tuple[LaneFigures, np.ndarray]:
    """The stored actuals before this refresh aligned to ``lane_ids`` (sorted), and which
    lanes have a row at all (one query). NaN and 0 lines where a lane has no row."""
    rows = list(_stored(lanes).values_list("lane_id", "received_lines", *_FIGURE_FIELDS))
    columns = list(zip(*rows, strict=True)) or [()] * (2 + len(_FIGURE_FIELDS))
    ids = np.array(columns[0], dtype=np.int64)
    at = np.minimum(np.searchsorted(lane_ids, ids), max(len(lane_ids) - 1, 0))
    found = lane_ids[at] == ids if len(lane_ids) else np.zeros(len(ids), dtype=bool)
    stored = np.zeros(len(lane_ids), dtype=bool)
    stored[at[found]] = True
    count = np.zeros(len(lane_ids), dtype=np.int64)
    count[at[found]] = np.array(columns[1], dtype=np.int64)[found]
    figures = np.full((len(_FIGURE_FIELDS), len(lane_ids)), np.nan)
    for row, column in zip(figures, columns[2:], strict=True):
        row[at[found]] = np.array(column, dtype=float)[found]  # None becomes NaN
    return LaneFigures(count, *figures), stored


def _changed(previous: LaneFigures, stored: np.ndarray, new: LaneFigures) -> np.ndarray:
    """Lanes without a row or whose figures differ (beyond float summation order)."""
    same = stored & (previous.received_lines == new.received_lines)
    for before, after in zip(previous.figures, new.figures, strict=True):
        same &= np.isclose(before, after, rtol=1e-12, atol=1e-12, equal_nan=True)
    return ~same


def _nullable(values: np.ndarray) -> list:
    """Python floats, None for NaN (the database's NULL)."""
    return np.where(np.isnan(values), None, values.astype(object)).tolist()


def _actuals_write(
    lane_ids: np.ndarray,
    figures: LaneFigures,
    changed: np.ndarray,
    *,
    lanes: QuerySet[SupplierLane] | None,
    stamp: dict[str, date | datetime],
) -> None:
    """Stamp every stored row in scope with this refresh (one UPDATE), then upsert the rows
    of new lanes and of lanes whose figures changed: an unchanged lane costs no row write
    beyond the stamp, which keeps a daily refresh of the full network in seconds."""
    _stored(lanes).update(**stamp)
    values = zip(
        lane_ids[changed].tolist(),
        figures.received_lines[changed].tolist(),
        *(_nullable(column[changed]) for column in figures.figures),
        strict=True,
    )
    rows = [
        LaneLeadTimeActual(
            lane_id=lane_id,
            received_lines=count,
            **stamp,
            **dict(zip(_FIGURE_FIELDS, figure, strict=True)),
        )
        for lane_id, count, *figure in values
    ]
    LaneLeadTimeActual.objects.bulk_create(
        rows,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["lane"],
        update_fields=[*stamp, "received_lines", *_FIGURE_FIELDS],
    )


def _events_record(
    lane_ids: np.ndarray,
    previous: LaneFigures,
    new: LaneFigures,
    shifts: tuple[np.ndarray, np.ndarray],
    config: LeadTimeSettings,
    as_of: date,
    now: datetime,
) -> int:
    """Insert one event per shifted lane; returns how many."""
    mean_shift, sd_shift = shifts
    kind = np.where(
        mean_shift & sd_shift,
        LaneShift.BOTH.value,
        np.where(mean_shift, LaneShift.MEAN.value, LaneShift.SD.value),
    )
    events = [
        LaneChangeEvent(
            lane_id=int(lane_ids[i]),
            detected_at=now,
            as_of=as_of,
            shift=LaneShift(str(kind[i])),
            previous_mean_days=float(previous.mean_days[i]),
            previous_sd_days=float(previous.sd_days[i]),
            new_mean_days=float(new.mean_days[i]),
            new_sd_days=float(new.sd_days[i]),
            relative_threshold=config.shift_threshold,
            absolute_threshold_days=config.shift_min_days,
        )
        for i in np.flatnonzero(mean_shift | sd_shift)
    ]
    LaneChangeEvent.objects.bulk_create(events)
    return len(events)
