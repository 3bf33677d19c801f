"""What the PostgreSQL benchmarks share: a fresh scratch database, Django set up on it, and
users granted the whole network. ``BENCH_ADMIN_URL`` names the server (default
``postgres://postgres@127.0.0.1:5432/postgres``)."""

import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(database: str) -> str:
    """The URL of ``database`` on the benchmark server."""
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def fresh_database(database: str) -> None:
    """Drop and create ``database``, then migrate it."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, "DATABASE_URL": database_url(database), "DEBUG": "1"}
    manage = [sys.executable, "manage.py", "migrate", "--no-input", "-v0"]
    subprocess.run(manage, cwd=ROOT, env=env, check=True)


def drop_database(database: str) -> None:
    """Close Django's connections and drop ``database``."""
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')


def print_database_size() -> None:
    """Print the size of Django's database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size {cursor.fetchone()[0]}", flush=True)


def peak_mb() -> float:
    """This process's peak resident memory (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_parallel(url: str, statements: list[str]) -> None:
    """Run the statements on two connections at once (one thread each)."""

    def run(part: list[str]) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            for statement in part:
                connection.execute(statement)

    threads = [threading.Thread(target=run, args=(statements[k::2],)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def loads_finished(writer, deferred, models: list, vacuumed: list) -> None:
    """After bulk loads into ``models``: their indexes back, keys checked, statistics, and
    ``vacuumed`` vacuumed as autovacuum would (hint bits set and pages all-visible, so a
    scan does not write pages); prints the time."""
    from django.db import connection

    stage = time.perf_counter()
    writer.restore_indexes(deferred)
    writer.finish(models)
    writer.analyze(models)
    with connection.cursor() as cursor:
        for model in vacuumed:
            cursor.execute(f"VACUUM {model._meta.db_table}")
    print(f"indexes, keys, ANALYZE, VACUUM: {time.perf_counter() - stage:.0f} s", flush=True)


def setup_django(database: str) -> None:
    """Django set up on ``database`` in this process."""
    os.environ.update(DATABASE_URL=database_url(database), DEBUG="1")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_platform.settings")
    import django

    django.setup()


def bench_users(*roles: str) -> list:
    """One user per role (``bench-<role>``), granted the whole network."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from governance.services import location_scope_grant

    users = []
    for role in roles:
        user = get_user_model().objects.create_user(username=f"bench-{role}")
        user.groups.add(Group.objects.get(name=role))
        location_scope_grant(user=user, whole_network=True)
        users.append(get_user_model().objects.get(pk=user.pk))
    return users


def policies_network(writer, rows: int, locations: int) -> tuple:
    """Write rows // locations items at ``locations`` locations and one active policy per
    SKU-location (with its history row) through the bulk ``writer`` (finished by the caller);
    returns the item ids, location ids and policy values, one per SKU-location."""
    from django.utils import timezone

    from inventory.models import InventoryPolicy, Item, Location

    now, items = timezone.now(), rows // locations
    stamps = {"source": "bench", "loaded_at": now, "updated_at": now}
    writer.write(
        Item,
        {
            "id": np.arange(1, items + 1),
            "sku": np.array([f"B-{n:07d}" for n in range(items)]),
            "description": "",
            "category": "bench",
            "business_unit": "",
            "unit_cost": 10.0,
            "unit_price": 15.0,
            "unit_of_measure": "EA",
            "lifecycle_status": "active",
            **stamps,
        },
    )
    for number in range(locations):
        code = f"L-{number:02d}"
        Location.objects.create(code=code, name=code, location_type="dc", echelon=2)
    item = np.repeat(np.arange(1, items + 1), locations)
    location = np.tile(np.arange(1, locations + 1), items)
    level = np.arange(rows) % 97 + 20.0
    values = {
        "safety_stock": level / 4,
        "reorder_point": level,
        "min_level": level,
        "max_level": level * 2,
        "order_quantity": level,
        "service_target": 0.95,
        "service_type": "fill",
    }
    policy = {"item_id": item, "location_id": location, **values}
    writer.write(
        InventoryPolicy,
        {
            "id": np.arange(1, rows + 1),
            **policy,
            "effective_from": date(2026, 1, 5),
            "policy_source": "manual",
            "policy_version": 1,
            "status": "active",
            **stamps,
        },
    )
    writer.write(
        InventoryPolicy.history.model,
        {
            "id": np.arange(1, rows + 1),
            **policy,
            "effective_from": date(2026, 1, 5),
            "policy_source": "manual",
            "policy_version": 1,
            "status": "active",
            **stamps,
            "history_date": now,
            "history_type": "+",
            "history_change_reason": "loaded",
        },
    )
    return item, location, values


def timed_pages(client, label: str, urls: list[str]) -> tuple[str, float, float]:
    """GET each of ``urls`` (after three warm-up requests) and print a table row: median and
    p95 server time in ms; each must answer 200."""
    for url in urls[:3]:  # warm caches and connections
        assert client.get(url).status_code == 200, url
    seconds = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    median = statistics.median(seconds) * 1000
    p95 = float(np.percentile(seconds, 95)) * 1000
    print(f"| {label} | {median:.0f} ms | {p95:.0f} ms |", flush=True)
    return label, median, p95
