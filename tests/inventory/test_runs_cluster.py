"""Runs through a real django-q2 cluster (``manage.py qcluster`` in a subprocess), not sync mode.

The cluster works on the test database itself (committed data: ``transactional_db``), with two
workers and a short re-delivery time so a task lost with a killed worker comes back quickly.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from inventory.choices import BatchStatus, RunStatus
from inventory.models import InventoryPosition, PolicyRecommendation, PolicyRun
from inventory.runs.scope import RunScope
from inventory.runs.services import RunConflict, policy_run_start

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
FINISHED = (RunStatus.SUCCEEDED, RunStatus.PARTIALLY_FAILED, RunStatus.FAILED)
RETRY_SECONDS = 6


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class Cluster:
    """``python -m tests.run_worker`` (qcluster) in its own process group."""

    def __init__(self, timeout: int = RETRY_SECONDS - 1, **faults: str):
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "Q_WORKERS": "2",
            "Q_TIMEOUT_SECONDS": str(timeout),
            "Q_RETRY_SECONDS": str(RETRY_SECONDS),
            "RUNS_SYNC": "0",
            **faults,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "Cluster":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.run_worker"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL the whole cluster: sentinel, workers and monitor die mid-task."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def demo_network():
    call_command(
        "load_demo", "--skus", "30", "--locations", "3", "--weeks", "40", "--seed", "3", verbosity=0
    )


@pytest.fixture
def cluster():
    started: list[Cluster] = []

    def start(**options) -> Cluster:
        started.append(Cluster(**options).start())
        return started[-1]

    yield start
    for each in started:
        each.kill()  # a graceful qcluster stop takes about 20 s; the test is over anyway


def _wait_for(run: PolicyRun, done, timeout: float = 90) -> PolicyRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if done(run):
            return run
        time.sleep(0.25)
    pytest.fail(
        f"run #{run.pk} still {run.status} after {timeout} s: {list(run.log_entries.all())}"
    )


def _planned_pairs() -> int:
    return InventoryPosition.objects.values("item_id", "location_id").distinct().count()


def test_a_run_completes_on_the_cluster_with_one_recommendation_per_sku_location(
    demo_network, cluster
):
    cluster()
    run = policy_run_start(scope=RunScope(), parameters={"batch_size": 20})
    run = _wait_for(run, lambda r: r.status in FINISHED)
    assert run.status == RunStatus.SUCCEEDED
    assert run.total_batches > 1
    recommendations = PolicyRecommendation.objects.filter(run=run)
    assert recommendations.count() == _planned_pairs() == run.total_rows
    assert recommendations.filter(blocked=True, data_quality_reasons__icontains="DEMAND_MISSING")
    assert run.exceptions.filter(kind="data_quality").exists()


def test_killing_the_cluster_mid_run_and_restarting_it_completes_the_run_exactly_once(
    demo_network, cluster
):
    first = cluster(RUN_WORKER_DELAY="0.7")
    run = policy_run_start(scope=RunScope(), parameters={"batch_size": 8})
    _wait_for(  # each batch sleeps 0.7 s while "running": kill inside that window
        run,
        lambda r: (
            r.batches.filter(status=BatchStatus.SUCCEEDED).count() >= 2
            and r.batches.filter(status=BatchStatus.RUNNING).exists()
        ),
    )
    first.kill()
    interrupted = run.batches.filter(status=BatchStatus.RUNNING).count()
    cluster()
    run = _wait_for(run, lambda r: r.status in FINISHED, timeout=120)
    assert run.status == RunStatus.SUCCEEDED
    assert interrupted >= 1
    assert run.batches.filter(attempts__gt=1).count() >= interrupted
    pairs = PolicyRecommendation.objects.filter(run=run).values_list("item_id", "location_id")
    assert len(pairs) == len(set(pairs)) == _planned_pairs()


def test_a_failing_batch_is_reported_and_the_others_finish(demo_network, cluster):
    from inventory.models import Item

    failing_item = Item.objects.order_by("pk").values_list("pk", flat=True)[5]
    cluster(RUN_WORKER_FAIL_ITEM=str(failing_item))
    run = policy_run_start(scope=RunScope(), parameters={"batch_size": 12})
    run = _wait_for(run, lambda r: r.status in FINISHED)
    assert run.status == RunStatus.PARTIALLY_FAILED
    failed = run.batches.get(status=BatchStatus.FAILED)
    assert failed.item_from <= failing_item <= failed.item_to
    assert "injected failure" in failed.error
    assert run.batches.filter(status=BatchStatus.SUCCEEDED).count() == run.total_batches - 1
    assert run.log_entries.filter(level="error", batch_number=failed.number).exists()
    assert not PolicyRecommendation.objects.filter(run=run, batch_number=failed.number).exists()


def test_batches_over_the_time_limit_fail_and_the_run_ends(demo_network, cluster):
    # The limit applies to the planning task too: 4 s leaves it room on a busy machine (1 s
    # did not, once the demo had weekly stock history); each batch sleeps past it.
    cluster(timeout=4, RUN_WORKER_DELAY="8")
    run = policy_run_start(scope=RunScope(), parameters={"batch_size": 45})
    run = _wait_for(run, lambda r: r.status in FINISHED)
    assert run.status == RunStatus.FAILED
    assert run.batches.filter(status=BatchStatus.FAILED).count() == run.total_batches == 2
    assert all("timeout" in error for error in run.batches.values_list("error", flat=True))


def test_an_overlapping_run_is_refused_while_the_first_is_queued(demo_network):
    first = policy_run_start(scope=RunScope(), parameters={"batch_size": 20})
    with pytest.raises(RunConflict, match=f"Run #{first.pk}"):
        policy_run_start(scope=RunScope())
