"""Reads of the supply app: lead-time settings, the lead time to plan with, pending events."""

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from supply.choices import LeadTimeSource
from supply.models import LaneChangeEvent, SupplierLane

MIN_LINES_FOR_SD = 2
"""A sample standard deviation needs two observations, whatever the settings say."""


@dataclass(frozen=True)
class LeadTimeSettings:
    """How lead-time actuals are computed and when a lane's shift becomes an event.

    Read from Django settings, each with a default:

    * ``LEAD_TIME_HISTORY_DAYS`` (365, at least 1): days of the window ending on the as-of date;
    * ``LEAD_TIME_ON_TIME_TOLERANCE_DAYS`` (0): days late that still count as on time;
    * ``LEAD_TIME_SHIFT_THRESHOLD`` (0.2): relative move of the mean or sd that is a shift...
    * ``LEAD_TIME_SHIFT_MIN_DAYS`` (1.0): ...provided it is also more than this many days, so
      short lanes do not flap;
    * ``LEAD_TIME_MIN_RECEIVED_LINES`` (3, at least 2): received PO lines in the window before
      a lane's actuals are trusted (used for planning, and judged for shifts).
    """

    history_days: int = 365
    on_time_tolerance_days: float = 0.0
    shift_threshold: float = 0.2
    shift_min_days: float = 1.0
    min_received_lines: int = 3


def lead_time_settings() -> LeadTimeSettings:
    """The settings in force, defaults where a name is not set."""
    default = LeadTimeSettings()
    return LeadTimeSettings(
        history_days=max(1, int(getattr(settings, "LEAD_TIME_HISTORY_DAYS", default.history_days))),
        on_time_tolerance_days=float(
            getattr(settings, "LEAD_TIME_ON_TIME_TOLERANCE_DAYS", default.on_time_tolerance_days)
        ),
        shift_threshold=float(
            getattr(settings, "LEAD_TIME_SHIFT_THRESHOLD", default.shift_threshold)
        ),
        shift_min_days=float(getattr(settings, "LEAD_TIME_SHIFT_MIN_DAYS", default.shift_min_days)),
        min_received_lines=max(
            MIN_LINES_FOR_SD,
            int(getattr(settings, "LEAD_TIME_MIN_RECEIVED_LINES", default.min_received_lines)),
        ),
    )


@dataclass(frozen=True)
class LaneLeadTimes:
    """Lead time to plan with per supplier lane (arrays of equal length, in lane-id order).

    ``source`` is ``actual`` when the lane's actuals are trusted (``mean_days`` and ``sd_days``
    are the actual mean and sample sd) and ``promised`` otherwise (the promised lead time with
    sd 0). Days throughout; ``received_lines`` is 0 for a lane never refreshed.
    """

    lane_id: np.ndarray
    supplier_id: np.ndarray
    item_id: np.ndarray
    destination_id: np.ndarray
    mean_days: np.ndarray
    sd_days: np.ndarray
    source: np.ndarray  # LeadTimeSource values
    received_lines: np.ndarray


_LEAD_TIME_COLUMNS = (
    "pk",
    "supplier_id",
    "item_id",
    "destination_id",
    "promised_lead_time_days",
    "lead_time_actual__received_lines",
    "lead_time_actual__mean_lead_time_days",
    "lead_time_actual__sd_lead_time_days",
)


def lead_time_for_lanes(*, lanes: QuerySet[SupplierLane] | None = None) -> LaneLeadTimes:
    """Lead time per lane: trusted actuals, else the promised lead time flagged as such.

    One query (lanes left-joined to their actuals), whatever the number of lanes.
    """
    lanes = SupplierLane.objects.all() if lanes is None else lanes
    rows = list(lanes.order_by("pk").values_list(*_LEAD_TIME_COLUMNS))
    columns = list(zip(*rows, strict=True)) or [()] * len(_LEAD_TIME_COLUMNS)
    ids, supplier, item, destination = (np.array(c, dtype=np.int64) for c in columns[:4])
    promised, lines, mean, sd = (
        np.array(c, dtype=float)
        for c in columns[4:]  # None becomes NaN
    )
    lines = np.nan_to_num(lines, nan=0).astype(np.int64)
    trusted = (lines >= lead_time_settings().min_received_lines) & ~np.isnan(sd)
    return LaneLeadTimes(
        lane_id=ids,
        supplier_id=supplier,
        item_id=item,
        destination_id=destination,
        mean_days=np.where(trusted, mean, promised),
        sd_days=np.where(trusted, sd, 0.0),
        source=np.where(trusted, LeadTimeSource.ACTUAL.value, LeadTimeSource.PROMISED.value),
        received_lines=lines,
    )


def lane_change_events_pending() -> QuerySet[LaneChangeEvent]:
    """Events no optimization run has processed yet, oldest first, with their lane's keys."""
    return (
        LaneChangeEvent.objects.filter(processed_at__isnull=True)
        .select_related("lane__supplier", "lane__item", "lane__destination")
        .order_by("detected_at", "pk")
    )
