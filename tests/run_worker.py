"""A django-q2 cluster for the run tests, with optional faults injected into batches.

``python -m tests.run_worker`` runs ``manage.py qcluster`` against the database the test gives
in ``DATABASE_URL``. Environment knobs (each optional):

* ``RUN_WORKER_DELAY``: seconds each batch sleeps before planning (to kill a worker mid-run);
* ``RUN_WORKER_FAIL_ITEM``: item id whose batch raises (a batch that fails).

Faults are patched in here, in the worker process, so the product code carries no test hooks.
"""

import os
import time

import django

from tests.clock import shift_clock_from_env

shift_clock_from_env()  # the same shifted clock as the test that started this worker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from inventory.runs import services  # noqa: E402

_plan_batch = services.plan_batch


def _faulty_plan_batch(inputs, *args, **kwargs):
    time.sleep(float(os.environ.get("RUN_WORKER_DELAY", "0")))
    failing = os.environ.get("RUN_WORKER_FAIL_ITEM")
    if failing and int(failing) in inputs.item_id:
        raise RuntimeError(f"injected failure for item {failing}")
    return _plan_batch(inputs, *args, **kwargs)


services.plan_batch = _faulty_plan_batch

if __name__ == "__main__":
    call_command("qcluster")
