"""A hand-computed accuracy fixture: two SKU-locations, weekly forecasts of several kinds and
lags, demand before and in the window. The expected numbers are worked out in the tests."""

from datetime import date, timedelta

from demand.choices import ForecastKind
from demand.models import Forecast
from inventory.runs.models import NetworkSegmentation, SkuLocationSegment
from tests.factories import make_demand, make_item, make_location

TODAY = date(2026, 11, 25)  # a Wednesday: the last complete week began on Monday 16 Nov
W = {day: date(2026, 10, day) for day in (19, 26)} | {
    day: date(2026, 11, day) for day in (2, 9, 16)
}
STAT, SALES, CONSENSUS = ForecastKind.STATISTICAL, ForecastKind.SALES, ForecastKind.CONSENSUS


def forecast(item, location, period: date, quantity: float, *, lag: int = 1, kind=STAT) -> None:
    """A forecast of the week ``period`` made ``lag`` Mondays before it."""
    Forecast.objects.create(
        item=item,
        location=location,
        period_start=period,
        as_of=period - timedelta(weeks=lag),
        quantity=quantity,
        kind=kind,
    )


def demand(item, location, weeks: dict[date, float]) -> None:
    for monday, quantity in weeks.items():
        make_demand(item, location, period_start=monday, quantity=quantity)


def classed(item, location, segment: str) -> None:
    segmentation = NetworkSegmentation.objects.first() or NetworkSegmentation.objects.create(
        as_of=date(2026, 11, 2)
    )
    SkuLocationSegment.objects.create(
        segmentation=segmentation, item=item, location=location, segment=segment
    )


def accuracy_network() -> dict:
    """Item A ("Widgets", class AX) at DC-1 and item B ("Gadgets", class BY) at DC-2.

    A: demand 12, 14, 10 (19 Oct–2 Nov: naive MAE (2 + 4) / 2 = 3), then 10, 20 (9, 16 Nov);
    lag-1 statistical 16 (26 Oct), 10 (2 Nov), 12 (9 Nov), 15 (16 Nov); consensus 17 for
    16 Nov; lag-2 statistical 9 (9 Nov), 21 (16 Nov); sales 30 for 9 Nov; one made as the
    week began (never a lag). B: demand 5, 5 (26 Oct, 2 Nov: naive MAE 0, no MASE), then
    0, 8; lag-1 statistical 2, 6.
    """
    dc1, dc2 = make_location("DC-1"), make_location("DC-2")
    a, b = make_item("A", category="Widgets"), make_item("B", category="Gadgets")
    classed(a, dc1, "AX")
    classed(b, dc2, "BY")
    demand(a, dc1, {W[19]: 12, W[26]: 14, W[2]: 10, W[9]: 10, W[16]: 20})
    for period, quantity in ((W[26], 16), (W[2], 10), (W[9], 12), (W[16], 15)):
        forecast(a, dc1, period, quantity)
    forecast(a, dc1, W[16], 17, kind=CONSENSUS)
    forecast(a, dc1, W[9], 9, lag=2)
    forecast(a, dc1, W[16], 21, lag=2)
    forecast(a, dc1, W[9], 30, kind=SALES)
    forecast(a, dc1, W[16], 999, lag=0)
    demand(b, dc2, {W[26]: 5, W[2]: 5, W[9]: 0, W[16]: 8})
    forecast(b, dc2, W[9], 2)
    forecast(b, dc2, W[16], 6)
    return {"dc1": dc1, "dc2": dc2, "a": a, "b": b}
