"""The forecast-error escalation rule (WAPE over 13 weeks beyond the seeded 15 %) and the
forecast-bias rule's reading of the plan (consensus where present, else statistical)."""

from datetime import date, timedelta

import pytest

from governance.choices import EscalationKind, ExceptionStatus
from governance.escalations.models import EscalationRule
from governance.escalations.rules import rule_words
from governance.escalations.services import escalation_rule_apply
from governance.models import PlanningException
from tests.demand.accuracy.fixtures import CONSENSUS, STAT, classed, forecast
from tests.factories import make_demand, make_item, make_location

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 25)  # the last complete week began on Monday 16 Nov
MONDAYS = [date(2026, 11, 16) - timedelta(weeks=back) for back in range(12, -1, -1)]


def selling(sku: str, location, *, errors: list[float], kind=STAT, segment: str = "AX"):
    """An item selling 100 a week for 13 weeks, forecast 100 + ``errors`` (cycled) the week
    before each."""
    item = make_item(sku)
    classed(item, location, segment)
    for week, monday in enumerate(MONDAYS):
        make_demand(item, location, period_start=monday, quantity=100)
        forecast(item, location, monday, 100 + errors[week % len(errors)], kind=kind)
    return item


def apply(kind: str):
    return escalation_rule_apply(rule=EscalationRule.objects.get(kind=kind), as_of=AS_OF)


def raised(kind: str) -> dict[str, PlanningException]:
    found = PlanningException.objects.filter(kind=kind, status=ExceptionStatus.OPEN)
    return {e.item.sku: e for e in found.select_related("item")}


def test_wape_beyond_15_percent_raises_with_the_measured_value():
    dc = make_location("DC-1")
    selling("AT-15", dc, errors=[15, -15])  # WAPE 195 / 1,300 = 15 %: at the limit
    selling("OVER", dc, errors=[20, -20], segment="CZ")  # 20 %, unbiased: bias would not fire
    rule = EscalationRule.objects.get(kind=EscalationKind.FORECAST_ERROR)
    assert (rule.threshold, rule_words(rule)) == (0.15, "WAPE > 15 %")

    outcome = apply(EscalationKind.FORECAST_ERROR)

    found = raised(EscalationKind.FORECAST_ERROR)
    assert outcome.raised == 1 and set(found) == {"OVER"}
    exception = found["OVER"]
    assert exception.detail == (
        "Forecast error (WAPE) 20 % over the 13 weeks to w/c 16 Nov 2026: |forecast − demand| "
        "260 on demand 1,300 (limit 15 %); class CZ"
    )
    assert exception.reasons == ["FORECAST_ERROR_ABOVE_LIMIT"]
    assert float(exception.money_at_risk) == 2600.0  # 260 units at 10
    assert apply(EscalationKind.FORECAST_BIAS).raised == 0


def test_the_forecast_error_rule_reads_the_consensus_over_the_statistical_forecast():
    dc = make_location("DC-1")
    item = selling("PLAN", dc, errors=[0])  # statistical: exact
    for monday in MONDAYS:
        forecast(item, dc, monday, 130, kind=CONSENSUS)  # the plan: 30 % over
    assert apply(EscalationKind.FORECAST_ERROR).raised == 1
    assert apply(EscalationKind.FORECAST_BIAS).raised == 1
    assert raised(EscalationKind.FORECAST_BIAS)["PLAN"].detail.startswith(
        "Forecast 30 % above demand over the 13 weeks"
    )


def test_the_bias_rule_falls_back_to_the_statistical_forecast():
    selling("STAT", make_location("DC-1"), errors=[10])  # no consensus: statistical, +10 %
    assert set(raised(EscalationKind.FORECAST_BIAS)) == set()
    apply(EscalationKind.FORECAST_BIAS)
    assert set(raised(EscalationKind.FORECAST_BIAS)) == {"STAT"}
