"""One evaluator per escalation kind: as of a date, the SKU-locations whose measure is beyond
the rule's threshold in each of the last ``consecutive_periods`` periods, with the measured
values. Set-based (a handful of queries into numpy, no per-row ORM); definitions and where the
thresholds come from: docs/governance.md, "Escalation rules".
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from demand.models import Forecast
from demand.selectors import forecasts_latest_before_period
from governance.choices import EscalationKind, Severity
from governance.escalations.models import EscalationRule
from governance.escalations.reads import (
    KEY,
    Grid,
    complete_weeks,
    opening_stock,
    policies_in_force,
    trailing_daily_demand,
    unit_costs,
    week_label,
    week_span,
    weekly_demand,
    window_sums,
)
from inventory.runs.inputs import index_in, pair_keys
from inventory.runs.models import SkuLocationSegment
from sop_platform.arrays import query_columns
from sop_platform.display import percent
from supply.models import Receipt

DEMAND_WEEKS = 13
"""Weeks of demand behind a day of supply and a forecast bias (a quarter)."""
EPSILON = 1e-9
"""A measure beyond its threshold by less than this is at it: 115 / 100 - 1 is not exactly
0.15 in floating point, and a share exactly at the threshold does not cross it."""
SEVERITY_STEP = 0.05
"""Least step of the severity bands (a threshold of 0 still has bands)."""
DETAIL_LENGTH = 300  # PlanningException.detail


@dataclass(frozen=True)
class Findings:
    """The SKU-locations crossing a rule (aligned arrays) and what their exceptions say."""

    item_id: np.ndarray
    location_id: np.ndarray
    measure: np.ndarray  # the latest period's measure, compared with the threshold
    money_at_risk: np.ndarray  # currency at unit cost; 0 where unknown
    reasons: list[list[str]]
    details: list[str]

    def __len__(self) -> int:
        return len(self.item_id)


def crossed_in_each(measures: np.ndarray, threshold: float) -> np.ndarray:
    """Rows whose measure (rows x periods) is beyond ``threshold`` in every period; an
    unmeasurable period (NaN) breaks the streak."""
    with np.errstate(invalid="ignore"):
        return np.all(measures > threshold + EPSILON, axis=1)


def severity_of(measure: np.ndarray, threshold: float) -> np.ndarray:
    """Low just beyond the threshold, medium from one step beyond it, high from two; a step is
    the threshold itself (at least :data:`SEVERITY_STEP`): for 15 %, medium from 30 %."""
    step = max(threshold, SEVERITY_STEP)
    return np.select(
        [measure >= threshold + 2 * step, measure >= threshold + step],
        [Severity.HIGH.value, Severity.MEDIUM.value],
        Severity.LOW.value,
    )


def clipped(text: str) -> str:
    """``text`` cut to what an exception's detail holds."""
    return text if len(text) <= DETAIL_LENGTH else text[: DETAIL_LENGTH - 1] + "…"


def rule_words(rule: EscalationRule) -> str:
    """A rule's condition in a few words, as the inbox shows it: "> +15 % × 2 wk"."""
    share, periods = percent(rule.threshold), rule.consecutive_periods
    weeks = f" × {periods} wk" if periods > 1 else ""
    classes = f", class {rule.segments}" if rule.segments else ""
    return {
        EscalationKind.DAYS_ON_HAND: f"> +{share}{weeks}",
        EscalationKind.FORECAST_BIAS: f"> ±{share}{weeks}{classes}",
        EscalationKind.SERVICE_BELOW_TARGET: (
            f"{f'> {share} ' if rule.threshold else ''}below target × {periods} periods"
        ),
        EscalationKind.RECEIPT_TIMING: f"> {share} of lead time{weeks}",
    }[rule.kind]


def _by_week(weeks: np.ndarray, shares: np.ndarray) -> str:
    """ "; by week: +20 % w/c 9 Nov 2026, +25 % w/c 16 Nov 2026" (one week: nothing)."""
    if len(weeks) < 2:
        return ""
    pairs = zip(weeks, shares, strict=True)
    return "; by week: " + ", ".join(
        f"{percent(float(s), signed=True)} {week_label(w)}" for w, s in pairs
    )


def _money(units: np.ndarray, item_id: np.ndarray) -> np.ndarray:
    """``units`` at their items' unit cost, to the cent; 0 where a cost is unknown."""
    return np.round(np.nan_to_num(units * unit_costs(item_id), nan=0.0), 2)


def days_on_hand(rule: EscalationRule, as_of: date) -> Findings:
    """Days on hand above target by more than the threshold in each of the last weeks.

    Week t: days on hand = on hand opening t / average daily demand of the 13 weeks before t;
    target = (safety stock + order quantity / 2) of the policy in force / the same demand.
    Their ratio minus 1 (= on hand / target stock - 1) is the measure; not measurable without
    a position, demand or a policy. Money at risk: stock above the target stock at unit cost.
    """
    weeks = complete_weeks(as_of, rule.consecutive_periods)
    keys, stock = opening_stock(weeks)
    grid = Grid(keys, weeks)
    history = Grid(keys, complete_weeks(as_of, DEMAND_WEEKS + len(weeks)))
    daily = trailing_daily_demand(weekly_demand(history), DEMAND_WEEKS)
    policy = policies_in_force(grid)
    target = policy["safety_stock"] + policy["order_quantity"] / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where((daily > 0) & (target > 0), stock / target - 1, np.nan)
    hit = crossed_in_each(share, rule.threshold)
    stock, target, daily, share = stock[hit], target[hit], daily[hit], share[hit]
    details = [
        clipped(
            f"{stock[i, -1] / daily[i, -1]:,.1f} days on hand {week_label(weeks[-1])} against a "
            f"target of {target[i, -1] / daily[i, -1]:,.1f} "
            f"({percent(float(share[i, -1]), signed=True)}; limit +{percent(rule.threshold)}): "
            f"on hand {stock[i, -1]:,.0f}, target stock {target[i, -1]:,.0f} (safety stock + "
            f"half the order quantity){_by_week(weeks, share[i])}"
        )
        for i in range(len(share))
    ]
    return Findings(
        item_id=grid.item_id[hit],
        location_id=grid.location_id[hit],
        measure=share[:, -1],
        money_at_risk=_money(np.maximum(stock[:, -1] - target[:, -1], 0), grid.item_id[hit]),
        reasons=[["DAYS_ON_HAND_ABOVE_TARGET"] for _ in details],
        details=details,
    )


def _classes(segments: str) -> tuple[np.ndarray, np.ndarray]:
    """(sorted pair keys, stored ABC-XYZ class) of the SKU-locations whose stored class starts
    with one of ``segments``' letters (every classified one when blank)."""
    rows = query_columns(SkuLocationSegment.objects.all(), {**KEY, "segment": "text"})
    keep = np.ones(len(rows["segment"]), bool)
    if segments:
        keep = np.isin(np.strings.slice(rows["segment"], 0, 1), list(segments))
    keys = pair_keys(rows["item_id"][keep], rows["location_id"][keep])
    order = np.argsort(keys)
    return keys[order], rows["segment"][keep][order]


def forecast_bias(rule: EscalationRule, as_of: date) -> Findings:
    """Forecast bias beyond ±threshold over the 13 weeks to each of the last weeks, for the
    SKU-locations of the rule's ABC classes (all, classified or not, when it names none).

    bias = (sum of lag-1 forecasts - sum of demand) / sum of demand, over the weeks with both
    a forecast (the one made last before the week) and a demand row; the measure is |bias|.
    Money at risk: |forecast - demand| over the latest 13 weeks at unit cost.
    """
    weeks = complete_weeks(as_of, DEMAND_WEEKS + rule.consecutive_periods - 1)
    forecasts = Forecast.objects.filter(period_start__range=week_span(weeks))
    rows = forecasts_latest_before_period(forecasts=forecasts)
    keys = np.unique(pair_keys(rows["item_id"], rows["location_id"]))
    classed, classes = _classes(rule.segments)
    if rule.segments:
        keys = keys[np.isin(keys, classed)]
    grid = Grid(keys, weeks)
    forecast, demand = grid.place(rows, "period_start", "quantity"), weekly_demand(grid)
    paired = ~np.isnan(forecast) & ~np.isnan(demand)
    forecast_sum = window_sums(np.where(paired, forecast, np.nan), DEMAND_WEEKS)
    demand_sum = window_sums(np.where(paired, demand, np.nan), DEMAND_WEEKS)
    with np.errstate(invalid="ignore", divide="ignore"):
        bias = np.where(demand_sum > 0, forecast_sum / demand_sum - 1, np.nan)
    hit = crossed_in_each(np.abs(bias), rule.threshold)
    bias, forecast_sum, demand_sum = bias[hit], forecast_sum[hit, -1], demand_sum[hit, -1]
    at = index_in(classed, keys[hit])
    details = [
        clipped(
            f"Forecast {percent(abs(float(bias[i, -1])))} "
            f"{'above' if bias[i, -1] > 0 else 'below'} demand over the {DEMAND_WEEKS} weeks to "
            f"{week_label(weeks[-1])} (forecast {forecast_sum[i]:,.0f}, demand "
            f"{demand_sum[i]:,.0f}; limit ±{percent(rule.threshold)})"
            f"{f'; class {classes[at[i]]}' if at[i] >= 0 else ''}"
            f"{_by_week(weeks[DEMAND_WEEKS - 1 :], bias[i])}"
        )
        for i in range(len(bias))
    ]
    return Findings(
        item_id=grid.item_id[hit],
        location_id=grid.location_id[hit],
        measure=np.abs(bias[:, -1]),
        money_at_risk=_money(np.abs(forecast_sum - demand_sum), grid.item_id[hit]),
        reasons=[
            ["FORECAST_ABOVE_DEMAND" if b > 0 else "FORECAST_BELOW_DEMAND"] for b in bias[:, -1]
        ],
        details=details,
    )


RECEIPT_WEEKS = 4
"""Weeks of receipts judged."""
RECEIPT_COLUMNS = {
    "po_line__item_id": "int",
    "po_line__destination_id": "int",
    "receipt_date": "date",
    "po_line__order_date": "date",
    "po_line__promised_date": "date",
    "po_line__po_number": "text",
    "po_line__line_number": "int",
}


def _receipts(weeks: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """The receipts dated in ``weeks``: SKU-location, date, days late (negative: early), the
    promised lead time in days, share = |days late| / promised lead time, and ``off``: beyond
    ``threshold`` x the promised lead time."""
    rows = query_columns(
        Receipt.objects.filter(receipt_date__range=week_span(weeks)).order_by("receipt_date", "pk"),
        RECEIPT_COLUMNS,
    )
    late = (rows["receipt_date"] - rows["po_line__promised_date"]).astype(np.int64)
    lead = (rows["po_line__promised_date"] - rows["po_line__order_date"]).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(lead > 0, np.abs(late) / lead, np.where(late != 0, np.inf, 0.0))
    return {
        "item_id": rows["po_line__item_id"],
        "location_id": rows["po_line__destination_id"],
        "date": rows["receipt_date"],
        "line": np.strings.add(
            np.strings.add(rows["po_line__po_number"], "/"),
            rows["po_line__line_number"].astype(str),
        ),
        "late": late,
        "lead": lead,
        "share": share,
        "off": np.abs(late) > threshold * lead + EPSILON,
    }


def receipt_timing(rule: EscalationRule, as_of: date) -> Findings:
    """Receipts more than the threshold x the promised lead time (promised - order date) off
    their promised date, early or late, in the 4 weeks to each of the last weeks; per
    SKU-location (item, destination), with the lines off their promise in the detail. The
    measure is the latest 4 weeks' largest |receipt - promised date| / promised lead time.
    No money at risk (the stock itself is not at stake).
    """
    weeks = complete_weeks(as_of, RECEIPT_WEEKS + rule.consecutive_periods - 1)
    lines = _receipts(weeks, rule.threshold)
    off = lines["off"]
    grid = Grid(np.unique(pair_keys(lines["item_id"][off], lines["location_id"][off])), weeks)
    row, column = grid.cells(lines, "date")
    counts = np.zeros(grid.shape)
    np.add.at(counts, (row[off], column[off]), 1)
    hit = np.all(window_sums(counts, RECEIPT_WEEKS) > 0, axis=1)
    latest = column >= len(weeks) - RECEIPT_WEEKS  # the latest window's receipts
    at = index_in(np.flatnonzero(hit), row)  # index among the hits, -1 for others
    judged = np.flatnonzero(latest & (at >= 0))
    measure = np.zeros(int(hit.sum()))
    np.maximum.at(measure, at[judged[off[judged]]], lines["share"][judged[off[judged]]])
    details, reasons = _receipt_words(rule, weeks, lines, judged, at, len(measure))
    return Findings(
        item_id=grid.item_id[hit],
        location_id=grid.location_id[hit],
        measure=measure,
        money_at_risk=np.zeros(len(measure)),
        reasons=reasons,
        details=details,
    )


def _receipt_words(rule, weeks, lines, judged, at, count) -> tuple[list[str], list[list[str]]]:
    """Per SKU-location found: the detail (its receipts off their promise, in date order) and
    the reason codes (late, early or both)."""
    received = np.bincount(at[judged], minlength=count)
    off_lines: list[list[str]] = [[] for _ in range(count)]
    codes: list[set[str]] = [set() for _ in range(count)]
    for index in judged[lines["off"][judged]]:
        days, lead, found = int(lines["late"][index]), int(lines["lead"][index]), at[index]
        share = f"{percent(float(lines['share'][index]))}" if lead else "promised on the order date"
        off_lines[found].append(
            f"{lines['line'][index]} {abs(days)} d {'late' if days > 0 else 'early'} of {lead} d "
            f"({share})"
        )
        codes[found].add("RECEIPTS_LATE" if days > 0 else "RECEIPTS_EARLY")
    details = [
        clipped(
            f"{len(off_lines[i])} of {received[i]} receipts in the {RECEIPT_WEEKS} weeks to "
            f"{week_label(weeks[-1])} off their promised date by more than "
            f"{percent(rule.threshold)} of the promised lead time: {', '.join(off_lines[i])}"
        )
        for i in range(count)
    ]
    return details, [sorted(c) for c in codes]
