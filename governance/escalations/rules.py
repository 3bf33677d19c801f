"""One evaluator per escalation kind: as of a date, the SKU-locations whose measure is beyond
the rule's threshold in each of the last ``consecutive_periods`` periods, with the measured
values. Set-based (a handful of queries into numpy, no per-row ORM); definitions and where the
thresholds come from: docs/governance.md, "Escalation rules".
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from demand.accuracy.selectors import lagged_forecasts
from demand.forecasting.metrics import wape
from demand.models import Forecast
from governance.choices import EscalationKind, Severity
from governance.escalations.models import EscalationRule
from governance.escalations.reads import (
    KEY,
    Grid,
    complete_weeks,
    demand_history,
    keys_of,
    policies_in_force,
    positions,
    receipts,
    trailing_daily_demand,
    unit_costs,
    week_label,
    week_span,
    window_sums,
)
from governance.kpis.weekly import days_of_cover, weekly_service
from inventory.choices import ServiceType
from inventory.runs.inputs import index_in, pair_keys
from inventory.runs.models import SkuLocationSegment
from sop_platform.arrays import query_columns
from sop_platform.display import percent

DEMAND_WEEKS = 13
"""Weeks of demand behind a day of supply and a forecast bias (a quarter)."""
EPSILON = 1e-9
"""A measure beyond its threshold by less than this is at it: 115 / 100 - 1 is not exactly
0.15 in floating point, and a share exactly at the threshold does not cross it."""
SEVERITY_STEP = 0.10
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
    """Low beyond the threshold, medium from one step beyond it, high from two; a step is
    twice the threshold (at least :data:`SEVERITY_STEP`): for days on hand (15 %), medium
    from +45 %, high from +75 %; for service (0), medium from 10 points short, high from 20."""
    step = max(2 * threshold, SEVERITY_STEP)
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
        EscalationKind.FORECAST_ERROR: f"WAPE > {share}{weeks}{classes}",
        EscalationKind.SERVICE_BELOW_TARGET: (
            f"{f'> {share} ' if rule.threshold else ''}below target × {periods} periods"
        ),
        EscalationKind.RECEIPT_TIMING: f"> {share} of lead time{weeks}",
    }[rule.kind]


def _by_week(weeks: np.ndarray, shares: np.ndarray, *, signed: bool = True) -> str:
    """ "; by week: +20 % w/c 9 Nov 2026, +25 % w/c 16 Nov 2026" (one week: nothing)."""
    if len(weeks) < 2:
        return ""
    pairs = zip(weeks, shares, strict=True)
    return "; by week: " + ", ".join(
        f"{percent(float(s), signed=signed)} {week_label(w)}" for w, s in pairs
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
    stocked = positions(weeks)
    grid = Grid(keys_of(stocked), weeks)
    stock = grid.place(stocked, "as_of", "on_hand")
    history = Grid(grid.keys, complete_weeks(as_of, DEMAND_WEEKS + len(weeks)))
    weekly = 7 * trailing_daily_demand(
        history.place(demand_history(history.weeks), "period_start", "quantity"), DEMAND_WEEKS
    )
    policy = policies_in_force(grid)
    target = policy["safety_stock"] + policy["order_quantity"] / 2
    cover = days_of_cover(on_hand=stock, weekly_demand=weekly)
    target_cover = days_of_cover(on_hand=target, weekly_demand=weekly)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where((weekly > 0) & (target > 0), cover / target_cover - 1, np.nan)
    hit = crossed_in_each(share, rule.threshold)
    stock, target, cover, target_cover = stock[hit], target[hit], cover[hit], target_cover[hit]
    share = share[hit]
    details = [
        clipped(
            f"{cover[i, -1]:,.1f} days on hand {week_label(weeks[-1])} against a target of "
            f"{target_cover[i, -1]:,.1f} ({percent(float(share[i, -1]), signed=True)}; limit "
            f"+{percent(rule.threshold)}): on hand {stock[i, -1]:,.0f}, target stock "
            f"{target[i, -1]:,.0f} (safety stock + half the order quantity)"
            f"{_by_week(weeks, share[i])}"
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


def _lag_one(
    rule: EscalationRule, as_of: date, classed: np.ndarray
) -> tuple[Grid, np.ndarray, np.ndarray]:
    """(grid, lag-1 forecasts, demand) of the weeks a forecast rule judges, for the
    SKU-locations of the rule's ABC classes (``classed``: their sorted pair keys; all,
    classified or not, when the rule names none).
    The forecast of a week is the plan's made the week before it: the consensus where there
    is one, else the statistical forecast (demand.accuracy.selectors.lagged_forecasts)."""
    weeks = complete_weeks(as_of, DEMAND_WEEKS + rule.consecutive_periods - 1)
    forecasts = Forecast.objects.filter(period_start__range=week_span(weeks))
    rows = lagged_forecasts(forecasts=forecasts, lag=1)
    keys = np.unique(pair_keys(rows["item_id"], rows["location_id"]))
    if rule.segments:
        keys = keys[np.isin(keys, classed)]
    grid = Grid(keys, weeks)
    forecast = grid.place(rows, "period_start", "quantity")
    return grid, forecast, grid.place(demand_history(weeks), "period_start", "quantity")


def forecast_bias(rule: EscalationRule, as_of: date) -> Findings:
    """Forecast bias beyond ±threshold over the 13 weeks to each of the last weeks, for the
    SKU-locations of the rule's ABC classes (all, classified or not, when it names none).

    bias = (sum of lag-1 forecasts - sum of demand) / sum of demand, over the weeks with both
    a forecast (:func:`_lag_one`) and a demand row; the measure is |bias|. Money at risk:
    |forecast - demand| over the latest 13 weeks at unit cost.
    """
    classed, classes = _classes(rule.segments)
    grid, forecast, demand = _lag_one(rule, as_of, classed)
    weeks, keys = grid.weeks, grid.keys
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


def forecast_error(rule: EscalationRule, as_of: date) -> Findings:
    """Forecast error (WAPE) beyond the threshold over the 13 weeks to each of the last
    weeks, for the SKU-locations of the rule's ABC classes (all when it names none).

    WAPE = Σ|lag-1 forecast - demand| / Σ demand over the weeks with both
    (demand.forecasting.metrics.wape; forecasts as :func:`_lag_one`), the measure itself; not
    measurable without demand. Money at risk: Σ|forecast - demand| over the latest 13 weeks at
    unit cost.
    """
    classed, classes = _classes(rule.segments)
    grid, forecast, demand = _lag_one(rule, as_of, classed)
    ends = range(DEMAND_WEEKS, len(grid.weeks) + 1)
    error = np.stack(
        [wape(demand[:, e - DEMAND_WEEKS : e], forecast[:, e - DEMAND_WEEKS : e]) for e in ends],
        axis=1,
    )
    hit = crossed_in_each(error, rule.threshold)
    paired = ~np.isnan(forecast[hit, -DEMAND_WEEKS:]) & ~np.isnan(demand[hit, -DEMAND_WEEKS:])
    off = np.where(paired, np.abs(forecast[hit] - demand[hit])[:, -DEMAND_WEEKS:], 0).sum(axis=1)
    demand_sum = np.where(paired, demand[hit, -DEMAND_WEEKS:], 0).sum(axis=1)
    error, at = error[hit], index_in(classed, grid.keys[hit])
    details = [
        clipped(
            f"Forecast error (WAPE) {percent(float(error[i, -1]))} over the {DEMAND_WEEKS} "
            f"weeks to {week_label(grid.weeks[-1])}: |forecast − demand| {off[i]:,.0f} on "
            f"demand {demand_sum[i]:,.0f} (limit {percent(rule.threshold)})"
            f"{f'; class {classes[at[i]]}' if at[i] >= 0 else ''}"
            f"{_by_week(grid.weeks[DEMAND_WEEKS - 1 :], error[i], signed=False)}"
        )
        for i in range(len(error))
    ]
    return Findings(
        item_id=grid.item_id[hit],
        location_id=grid.location_id[hit],
        measure=error[:, -1],
        money_at_risk=_money(off, grid.item_id[hit]),
        reasons=[["FORECAST_ERROR_ABOVE_LIMIT"] for _ in details],
        details=details,
    )


RECEIPT_WEEKS = 4
"""Weeks of receipts judged."""


def _timing(lines: dict[str, np.ndarray], threshold: float) -> dict[str, np.ndarray]:
    """Per receipt: days late (negative: early), the promised lead time in days, share =
    |days late| / promised lead time, and ``off``: beyond ``threshold`` x the lead time."""
    late = (lines["receipt_date"] - lines["promised_date"]).astype(np.int64)
    lead = (lines["promised_date"] - lines["order_date"]).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(lead > 0, np.abs(late) / lead, np.where(late != 0, np.inf, 0.0))
    return {
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
    lines = receipts(weeks)
    lines |= _timing(lines, rule.threshold)
    off = lines["off"]
    grid = Grid(keys_of({name: values[off] for name, values in lines.items()}), weeks)
    counts = grid.total({name: values[off] for name, values in lines.items()}, "receipt_date")
    hit = np.all(window_sums(counts, RECEIPT_WEEKS) > 0, axis=1)
    row, column = grid.cells(lines, "receipt_date")
    at = index_in(np.flatnonzero(hit), row)  # index among the hits, -1 for others
    judged = np.flatnonzero((column >= len(weeks) - RECEIPT_WEEKS) & (at >= 0))  # latest 4 wk
    worst = judged[off[judged]]
    measure = np.zeros(int(hit.sum()))
    np.maximum.at(measure, at[worst], lines["share"][worst])
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
        share = percent(float(lines["share"][index])) if lead else "promised on the order date"
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


SERVICE_PERIOD_WEEKS = 4
"""Weeks of one service period."""
SERVICE_PERIODS_BACK = 13
"""Periods looked back for the last ones with demand (a year)."""


def _periods(values: np.ndarray) -> np.ndarray:
    """rows x weeks summed into rows x 4-week periods (the weeks are whole periods)."""
    rows, weeks = values.shape
    return values.reshape(rows, weeks // SERVICE_PERIOD_WEEKS, SERVICE_PERIOD_WEEKS).sum(axis=2)


@dataclass(frozen=True)
class PeriodService:
    """rows x 4-week periods: demand and shipped units over the weeks with a position, the
    service measured as the policy in force on the period's last Monday targets it (NaN
    without demand) and the policy; ``ends``: the periods' last Mondays."""

    demand: np.ndarray
    shipped: np.ndarray
    service: np.ndarray
    shortfall: np.ndarray
    policy: dict[str, np.ndarray]
    ends: np.ndarray


def period_service(grid: Grid, demanded: dict[str, np.ndarray]) -> PeriodService:
    """The service of ``grid``'s SKU-locations per 4-week period of its weeks (whole periods):
    fill rate against a fill-rate target, share of weeks with demand served in full against
    a cycle-service target; weekly figures from governance.kpis.weekly."""
    weekly = grid.place(demanded, "period_start", "quantity")
    stock = grid.place(positions(grid.weeks), "as_of", "on_hand")
    received = grid.total(receipts(grid.weeks), "receipt_date", "quantity")
    week = weekly_service(demand=weekly, on_hand=stock, receipts=received)
    counted = ~np.isnan(stock)  # weeks without a position are not judged
    demand = _periods(np.where(counted, np.nan_to_num(weekly), 0))
    shipped = _periods(np.where(counted, week.shipped, 0))
    served = _periods(counted & week.filled) / np.maximum(_periods(counted & week.demand_period), 1)
    ends = grid.weeks[SERVICE_PERIOD_WEEKS - 1 :: SERVICE_PERIOD_WEEKS]
    policy = policies_in_force(Grid(grid.keys, ends))
    with np.errstate(invalid="ignore", divide="ignore"):
        service = np.where(policy["service_type"] == ServiceType.CYCLE, served, shipped / demand)
        shortfall = np.where(demand > 0, policy["service_target"] - service, np.nan)
    return PeriodService(demand, shipped, service, shortfall, policy, ends)


def service_below_target(rule: EscalationRule, as_of: date) -> Findings:
    """Service below the policy's target by more than the threshold in each of the last
    ``consecutive_periods`` 4-week periods with demand (of the last 13).

    Per period (:func:`period_service`, shipped = min(demand, max(opening on hand, 0) +
    receipts) over the weeks with a stock position): the fill rate against a fill-rate
    target, the share of weeks with demand served in full against a cycle-service target; the
    measure is target - service. Periods without demand (or positions, or a policy) are
    skipped. Money at risk: the units not shipped in the periods judged, at unit cost.
    """
    weeks = complete_weeks(as_of, SERVICE_PERIOD_WEEKS * SERVICE_PERIODS_BACK)
    demanded = demand_history(weeks)
    grid = Grid(keys_of(demanded), weeks)
    periods = period_service(grid, demanded)
    judged = ~np.isnan(periods.shortfall)
    judged &= np.cumsum(judged[:, ::-1], axis=1)[:, ::-1] <= rule.consecutive_periods  # last N
    with np.errstate(invalid="ignore"):
        below = ~judged | (periods.shortfall > rule.threshold + EPSILON)
    hit = (judged.sum(axis=1) == rule.consecutive_periods) & below.all(axis=1)
    latest = judged.shape[1] - 1 - np.argmax(judged[:, ::-1], axis=1)
    rows = np.flatnonzero(hit)
    unshipped = np.where(judged, periods.demand - periods.shipped, 0).sum(axis=1)
    target, kind = periods.policy["service_target"], periods.policy["service_type"]
    details = [
        _service_words(
            rule,
            periods.service[r, judged[r]],
            (target[r, latest[r]], kind[r, latest[r]]),
            periods.ends[latest[r]],
            unshipped[r],
        )
        for r in rows
    ]
    return Findings(
        item_id=grid.item_id[hit],
        location_id=grid.location_id[hit],
        measure=periods.shortfall[rows, latest[rows]],
        money_at_risk=_money(unshipped[hit], grid.item_id[hit]),
        reasons=[["SERVICE_BELOW_TARGET"] for _ in details],
        details=details,
    )


def _service_words(rule, services, target: tuple, last_week, unshipped: float) -> str:
    """ "Fill rate under its 95 % target in each of the last 3 periods of 4 weeks with demand
    (to w/c 16 Nov 2026): 90 %, 88 %, 85 %; 42 units not shipped"; ``target``: (share, type)."""
    share, kind = target
    what = "Weeks served in full (cycle service)" if kind == ServiceType.CYCLE else "Fill rate"
    by = f" by more than {percent(rule.threshold)}" if rule.threshold else ""
    return clipped(
        f"{what} under its {percent(float(share))} target{by} in each of the last "
        f"{rule.consecutive_periods} periods of {SERVICE_PERIOD_WEEKS} weeks with demand (to "
        f"{week_label(last_week)}): {', '.join(percent(float(s)) for s in services)}; "
        f"{unshipped:,.0f} units not shipped"
    )
