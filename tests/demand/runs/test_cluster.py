"""A forecast run through a real django-q2 cluster (``manage.py qcluster`` in a subprocess)."""

import time

import pytest

from demand.models import ForecastFit
from demand.runs.selectors import run_forecasts
from demand.runs.services import forecast_run_start
from inventory.choices import RunStatus
from inventory.runs.scope import RunScope
from tests.demand.runs.conftest import AS_OF
from tests.inventory.test_runs_cluster import Cluster

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_forecast_run_completes_on_the_cluster(network):
    cluster = Cluster().start()
    try:
        run = forecast_run_start(
            scope=RunScope(), as_of=AS_OF, parameters={"horizon_periods": 5, "batch_size": 1}
        )
        deadline = time.monotonic() + 90
        while run.is_active and time.monotonic() < deadline:
            time.sleep(0.25)
            run.refresh_from_db()
    finally:
        cluster.kill()
    assert run.status == RunStatus.SUCCEEDED, (run.status, run.error)
    assert run.total_batches == 3 and run.batches.filter(attempts=1).count() == 3
    assert run_forecasts(run).count() == 4 * 5
    assert ForecastFit.objects.filter(run=run).count() == 4
    assert run.summary["rows"] == 4
