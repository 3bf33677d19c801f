"""``manage.py forecast``."""

import pytest
from django.core.management import CommandError, call_command

from demand.models import ForecastRun
from demand.runs.selectors import run_forecasts
from tests.demand.runs.conftest import AS_OF

pytestmark = pytest.mark.django_db(transaction=True)


def test_sync_runs_it_here_and_if_no_runs_starts_no_second(network, capsys):
    call_command("forecast", "--sync", "--as-of", AS_OF.isoformat(), "--locations", "DC-1")
    run = ForecastRun.objects.get()
    out = capsys.readouterr().out
    assert f"Forecast run #{run.pk} succeeded: 2 SKU-locations" in out
    assert run_forecasts(run).count() == 2 * run.parameters["horizon_periods"]
    call_command("forecast", "--sync", "--if-no-runs")
    assert "already exists" in capsys.readouterr().out
    assert ForecastRun.objects.count() == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--as-of", "2026-03-03"], "as_of: 2026-03-03 is not a Monday"),
        (["--categories", "Toys"], "categories: no item has category 'Toys'"),
        (["--locations", "DC-9"], "locations: unknown 'DC-9'"),
    ],
)
def test_bad_input_exits_with_the_message(network, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("forecast", *arguments)
    assert not ForecastRun.objects.exists()
