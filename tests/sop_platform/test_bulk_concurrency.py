"""Bulk loads racing for the same keys: merged in key order, retried, never a deadlock answer.

The fault test needs PostgreSQL (row locks, two real connections); the retry tests run on any
database by making the upsert fail the way PostgreSQL does.
"""

import threading
from datetime import date, timedelta

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, OperationalError, connection
from rest_framework.test import APIClient

from demand.models import DemandHistory
from governance.choices import Role
from inventory.models import Item
from sop_platform.bulk import service
from sop_platform.bulk.parsing import BulkInputError
from sop_platform.bulk.registry import RESOURCES
from sop_platform.bulk.upsert import UpsertCounts
from tests.api_helpers import post
from tests.factories import make_location

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
RETRYABLE = (409, 503)


def _demand_csv(keys: list[tuple[str, str, str]], quantity: int) -> str:
    lines = [f"{sku},{code},{week},{quantity},false" for sku, code, week in keys]
    return "item,location,period_start,quantity,is_promotion\n" + "\n".join(lines) + "\n"


def _hundred_thousand_keys() -> list[tuple[str, str, str]]:
    """500 items × 4 locations × 50 weeks of demand-history keys, in key order."""
    Item.objects.bulk_create(Item(sku=f"C-{n:04d}", unit_cost=1) for n in range(500))
    codes = [make_location(f"DC-{n}").code for n in range(4)]
    weeks = [(date(2024, 1, 1) + timedelta(weeks=w)).isoformat() for w in range(50)]
    return [(f"C-{n:04d}", code, week) for n in range(500) for code in codes for week in weeks]


@pytest.fixture
def loader(django_user_model):
    """A user in the integration role (the role that loads data)."""
    user = django_user_model.objects.create_user(username="loader")
    user.groups.add(Group.objects.get(name=Role.INTEGRATION))
    return user


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _load_at_once(user, bodies: list[str]) -> list:
    """POST each body from its own thread (own client and connection), released together."""
    clients = [_client(user) for _ in bodies]
    start = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def load(index: int) -> None:
        try:
            start.wait()
            responses[index] = post(clients[index], "demand-history", bodies[index])
        finally:
            connection.close()

    threads = [threading.Thread(target=load, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _assert_answered_cleanly(responses: list) -> set[int]:
    """Every load succeeded or was told to retry (plainly); returns the loaded quantities."""
    loaded = set()
    for quantity, response in enumerate(responses, start=1):
        if response.status_code == 200:
            loaded.add(quantity)
            continue
        assert response.status_code in RETRYABLE, response.content[:500]
        assert response.headers.get("Retry-After"), response.headers
        detail = response.json()["detail"].lower()
        assert "deadlock" not in detail and "process" not in detail, detail
    assert loaded, "at least one of the loads must succeed"
    return loaded


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks and deadlocks are PostgreSQL's")
def test_opposite_order_loads_of_the_same_100k_keys_both_succeed(loader):
    keys = _hundred_thousand_keys()
    bodies = [_demand_csv(keys, 1), _demand_csv(keys[::-1], 2)]

    for _round in ("insert", "update"):
        loaded = _assert_answered_cleanly(_load_at_once(loader, bodies))
        assert DemandHistory.objects.count() == len(keys)
        quantities = set(DemandHistory.objects.values_list("quantity", flat=True).distinct())
        # Key-ordered merges serialize on the first key: the later load wins every row.
        assert len(quantities) == 1 and quantities <= loaded, (quantities, loaded)


# --- Retries, on any database --------------------------------------------------------------


def _psycopg_failure(kind: type[Exception], wrapper: type[Exception]) -> Exception:
    """A Django database error caused by a psycopg error of ``kind``, as Django raises it."""
    error = wrapper("deadlock detected DETAIL: Process 4242 waits for ShareLock")
    error.__cause__ = kind("deadlock detected")
    return error


@pytest.fixture
def no_pause(monkeypatch):
    """Retries without the back-off pause."""
    monkeypatch.setattr(service, "RETRY_PAUSE_SECONDS", 0, raising=False)


def _failing_upsert(monkeypatch, failures: list[Exception]) -> list[int]:
    """Make the upsert raise each of ``failures`` in turn, then succeed; returns the calls."""
    calls: list[int] = []

    def upsert(resource, values, *, source):
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return UpsertCounts(len(values), 0, 0)

    monkeypatch.setattr(service, "upsert", upsert)
    return calls


ITEMS_CSV = b"sku,description\nR-1,Nut\nR-2,Bolt\n"


@pytest.mark.django_db
def test_a_deadlock_is_retried_and_the_load_succeeds(monkeypatch, no_pause):
    deadlock = _psycopg_failure(psycopg.errors.DeadlockDetected, OperationalError)
    calls = _failing_upsert(monkeypatch, [deadlock, deadlock])

    report = service.bulk_load(resource=RESOURCES["items"], body=ITEMS_CSV, content_type="csv")

    assert (len(calls), report.created, report.written) == (3, 2, True)


@pytest.mark.django_db
def test_a_load_refused_every_time_is_a_plain_retryable_503(monkeypatch, no_pause, caplog):
    failure = _psycopg_failure(psycopg.errors.SerializationFailure, OperationalError)
    calls = _failing_upsert(monkeypatch, [failure] * 10)

    with pytest.raises(BulkInputError) as raised:
        service.bulk_load(resource=RESOURCES["items"], body=ITEMS_CSV, content_type="csv")

    assert len(calls) == service.WRITE_ATTEMPTS
    assert (raised.value.status, raised.value.headers) == (503, {"Retry-After": "2"})
    message = str(raised.value)
    assert "DETAIL" not in message and "Process" not in message and "try again" in message
    assert "Process 4242" in caplog.text  # the internals go to the log


@pytest.mark.django_db
def test_a_genuine_constraint_error_is_a_409_without_sql(monkeypatch, no_pause):
    refused = IntegrityError('new row violates check constraint "item_cost" DETAIL: (1, x)')
    refused.__cause__ = psycopg.errors.CheckViolation("check")
    calls = _failing_upsert(monkeypatch, [refused] * 10)

    with pytest.raises(BulkInputError) as raised:
        service.bulk_load(resource=RESOURCES["items"], body=ITEMS_CSV, content_type="csv")

    assert (len(calls), raised.value.status, raised.value.headers) == (1, 409, {})
    assert "DETAIL" not in str(raised.value) and "violates" not in str(raised.value)


@pytest.mark.django_db
def test_a_retryable_answer_carries_retry_after(loader, monkeypatch, no_pause):
    deadlock = _psycopg_failure(psycopg.errors.DeadlockDetected, OperationalError)
    _failing_upsert(monkeypatch, [deadlock] * 10)

    response = post(_client(loader), "items", ITEMS_CSV)

    assert (response.status_code, response.headers["Retry-After"]) == (503, "2")
    assert "deadlock" not in response.json()["detail"].lower()
