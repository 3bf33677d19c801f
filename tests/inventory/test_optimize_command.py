"""``manage.py optimize``: start a run, follow it, exit non-zero when it or its input is bad."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory.choices import RunStatus
from inventory.management.commands import optimize
from inventory.models import PolicyRecommendation, PolicyRun
from inventory.runs.scope import scope_resolve


class Terminal(StringIO):
    """Captured output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _demo() -> None:
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1", verbosity=0
    )


def _progress(status: str, done: int, total: int = 4, failed: int = 0) -> dict:
    return {
        "status": status,
        "total_batches": total,
        "done_batches": done,
        "running_batches": 0,
        "failed_batches": failed,
        "cancelled_batches": 0,
        "total_rows": 100 * total,
        "done_rows": 100 * done,
        "recommendations": 100 * done,
        "exceptions": 3 * done,
        "percent": 100.0 * done / total if total else 0,
        "elapsed_seconds": 2.0 * done,
        "timings": {"plan": 0.5, "read": 1.25} if done == total else {"plan": 0.5},
    }


# --- Real runs (sync mode, committed data so the run sees it) ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_optimize_runs_a_scope_and_waits_for_it(settings):
    settings.RUNS_SYNC = True
    _demo()
    out = StringIO()

    call_command(
        "optimize",
        "--locations",
        "RDC-01",
        "--param",
        "batch_size=10",
        "holding_rate=0.2",
        "--description",
        "From the shell",
        "--wait",
        "--interval",
        "0",
        stdout=out,
    )

    run = PolicyRun.objects.get()
    text = out.getvalue()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.trigger, run.actor, run.description) == ("user", None, "From the shell")
    assert (run.parameters["batch_size"], run.parameters["holding_rate"]) == (10, 0.2)
    assert set(PolicyRecommendation.objects.values_list("location__code", flat=True)) == {"RDC-01"}
    assert f"Run #{run.pk} started; scope: locations: RDC-01." in text
    assert f"{run.total_batches}/{run.total_batches} batches, 20/20 SKU-locations" in text
    assert f"Run #{run.pk} succeeded: 20 SKU-locations in {run.total_batches} batches" in text
    assert "Stage timings: plan " in text and "write " in text


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_exits_non_zero_with_its_errors(settings, monkeypatch):
    settings.RUNS_SYNC = True
    _demo()

    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("inventory.runs.services.plan_batch", broken)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"Run #\d+ failed\."):
        call_command("optimize", "--wait", "--interval", "0", stdout=out, stderr=err)

    assert PolicyRun.objects.get().status == RunStatus.FAILED
    assert "engine exploded" in err.getvalue()


# --- Input errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--locations", "DC-1,NOPE"], "locations: unknown 'NOPE'"),
        (["--segments", "AX,QQ"], "segments: QQ"),
        (["--sku", "SKU-1@DC-1", "SKU-9@DC-1"], "SKU-9"),
        (["--sku", "SKU-1"], "SKU@LOCATION"),
        (["--param", "holding_rate=9"], "holding_rate: 9.0 is outside"),
        (["--param", "speed=3"], "unknown speed"),
        (["--param", "holding_rate"], "NAME=VALUE"),
    ],
)
def test_bad_scope_or_parameters_exit_with_the_message(small_network, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("optimize", *arguments, stdout=StringIO())
    assert not PolicyRun.objects.exists()


def test_an_overlapping_active_run_exits_with_the_conflict(small_network):
    running = PolicyRun.objects.create(
        status=RunStatus.RUNNING,
        scope=scope_resolve(locations=["DC-1"]).as_json(),
        algorithm_version="test",
    )
    with pytest.raises(CommandError, match=f"Run #{running.pk} \\(running\\) already covers"):
        call_command("optimize", "--locations", "DC-1", stdout=StringIO())
    out = StringIO()
    call_command("optimize", "--locations", "DC-2", "-v", "0", stdout=out)
    assert out.getvalue() == f"{PolicyRun.objects.latest('pk').pk}\n"  # -v 0: the id only


# --- Following: the progress line -------------------------------------------------------------


def test_the_progress_line():
    line = optimize.progress_line(_progress(RunStatus.RUNNING, 2))
    assert line == "[##########----------] 2/4 batches, 200/400 SKU-locations, 4 s"
    waiting = optimize.progress_line(_progress(RunStatus.QUEUED, 0, total=0) | {"total_rows": 0})
    assert waiting == "[--------------------] queued, 0 s"
    failed = optimize.progress_line(_progress(RunStatus.RUNNING, 3, failed=1))
    assert "3/4 batches, 1 failed, 300/400" in failed


@pytest.fixture
def scripted(small_network, monkeypatch):
    """The run's progress follows a script instead of a worker."""

    def use(*steps: dict) -> None:
        script = iter(steps)
        monkeypatch.setattr(optimize, "run_progress", lambda run: next(script))

    return use


def test_without_a_terminal_each_change_is_one_line(scripted):
    scripted(
        _progress(RunStatus.QUEUED, 0, total=0),
        _progress(RunStatus.RUNNING, 1),
        _progress(RunStatus.RUNNING, 1),  # no change: no line
        _progress(RunStatus.RUNNING, 3),
        _progress(RunStatus.SUCCEEDED, 4),
    )
    out = StringIO()

    call_command("optimize", "--wait", "--interval", "0", stdout=out)

    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert [line for line in lines if line.startswith("[")] == [
        "[--------------------] queued, 0 s",
        "[#####---------------] 1/4 batches, 100/400 SKU-locations, 2 s",
        "[###############-----] 3/4 batches, 300/400 SKU-locations, 6 s",
        "[####################] 4/4 batches, 400/400 SKU-locations, 8 s",
    ]
    assert lines[-2].endswith(
        "succeeded: 400 SKU-locations in 4 batches, 400 recommendations, "
        "12 exceptions, 0 failed batches."
    )
    assert lines[-1] == "Stage timings: plan 0.50 s, read 1.25 s."


def test_on_a_terminal_the_line_is_rewritten_in_place(scripted):
    scripted(
        _progress(RunStatus.RUNNING, 1),
        _progress(RunStatus.RUNNING, 2),
        _progress(RunStatus.SUCCEEDED, 4),
    )
    out = Terminal()

    call_command("optimize", "--wait", "--interval", "0", stdout=out)

    text = out.getvalue()
    assert text.count("\r[") == 3
    assert "\r[##########----------] 2/4 batches" in text
    assert "batches, 400/400 SKU-locations, 8 s\n" in text  # the last one ends the line


@pytest.mark.parametrize("status", [RunStatus.PARTIALLY_FAILED, RunStatus.CANCELLED])
def test_a_run_that_did_not_succeed_exits_non_zero(scripted, status):
    scripted(_progress(RunStatus.RUNNING, 1), _progress(status, 4, failed=1))
    with pytest.raises(CommandError, match=f"Run #\\d+ {RunStatus(status).label.lower()}"):
        call_command("optimize", "--wait", "--interval", "0", stdout=StringIO())


@pytest.mark.django_db
def test_if_no_runs_starts_the_first_run_only(settings):
    settings.RUNS_SYNC = True
    _demo()
    call_command("optimize", "--if-no-runs", stdout=StringIO())
    assert PolicyRun.objects.count() == 1
    out = StringIO()
    call_command("optimize", "--if-no-runs", stdout=out)
    assert PolicyRun.objects.count() == 1
    assert "already exists" in out.getvalue()
