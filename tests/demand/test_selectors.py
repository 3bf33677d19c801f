"""The lag-1 pick of forecasts: per SKU-location and period, the one made last before it."""

from datetime import date

import pytest

from demand.choices import ForecastKind
from demand.models import Forecast
from demand.selectors import forecasts_latest_before_period
from tests.factories import make_item, make_location

pytestmark = pytest.mark.django_db


def forecast(item, location, period: date, as_of: date, quantity: float) -> None:
    Forecast.objects.create(
        item=item,
        location=location,
        period_start=period,
        as_of=as_of,
        quantity=quantity,
        kind=ForecastKind.STATISTICAL,
    )


def test_the_forecast_made_last_before_each_period_is_picked():
    item, other = make_item("A"), make_item("B")
    dc = make_location("DC")
    week, next_week = date(2026, 3, 2), date(2026, 3, 9)
    forecast(item, dc, week, date(2026, 2, 16), 10)  # lag 2
    forecast(item, dc, week, date(2026, 2, 23), 11)  # lag 1: picked
    forecast(item, dc, week, week, 99)  # made when the week began: not before it
    forecast(item, dc, next_week, date(2026, 2, 23), 20)  # lag 2, the only one: picked
    forecast(other, dc, week, date(2026, 2, 9), 5)

    rows = forecasts_latest_before_period(forecasts=Forecast.objects.all())

    picked = sorted(
        (int(i), str(p), float(q))
        for i, p, q in zip(rows["item_id"], rows["period_start"], rows["quantity"], strict=True)
    )
    assert picked == [
        (item.pk, "2026-03-02", 11.0),
        (item.pk, "2026-03-09", 20.0),
        (other.pk, "2026-03-02", 5.0),
    ]


def test_no_forecasts_give_empty_columns():
    rows = forecasts_latest_before_period(forecasts=Forecast.objects.none())
    assert all(len(values) == 0 for values in rows.values())
