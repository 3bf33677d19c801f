"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "debug": settings.DEBUG, "q": settings.Q_CLUSTER, "tz": settings.TIME_ZONE,
    "hosts": settings.ALLOWED_HOSTS, "secure_cookies": settings.SESSION_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "period_days": settings.PLANNING_PERIOD_DAYS,
}))
"""
SETTINGS_VARS = (
    "DATABASE_URL",
    "DEBUG",
    "SECRET_KEY",
    "Q_REDIS_URL",
    "TIME_ZONE",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "PLANNING_PERIOD",
)


def run_with(env: dict[str, str], code: str = PROBE, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` under ``sop_platform.settings`` with only ``env`` as settings variables."""
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    base["DJANGO_SETTINGS_MODULE"] = "sop_platform.settings"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_under(env: dict[str, str]) -> dict:
    result = run_with(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults_are_sqlite_under_var_and_the_orm_broker(tmp_path):
    found = settings_under({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "sop.sqlite3")
    assert found["q"]["orm"] == "default" and "redis" not in found["q"]
    assert found["debug"] is True and found["tz"] == "UTC" and found["period_days"] == 7


def test_database_url_switches_to_postgresql_and_redis_url_to_the_redis_broker():
    found = settings_under(
        {
            "DEBUG": "1",
            "DATABASE_URL": "postgres://planner@db.example:5432/sop",
            "Q_REDIS_URL": "redis://127.0.0.1:6379/3",
            "TIME_ZONE": "Europe/Paris",
        }
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert (found["name"], found["host"]) == ("sop", "db.example")
    assert found["q"]["redis"] == "redis://127.0.0.1:6379/3" and "orm" not in found["q"]
    assert found["tz"] == "Europe/Paris"


def test_production_requires_a_secret_key():
    result = run_with({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_defaults_are_secure():
    found = settings_under(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "sop.example.com",
        }
    )
    assert found["debug"] is False and found["hosts"] == ["sop.example.com"]
    assert found["secure_cookies"] is True and found["ssl_redirect"] is True
    assert found["hsts"] == 31_536_000


def test_ssl_redirect_is_configurable():
    found = settings_under({"SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "0"})
    assert found["ssl_redirect"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "1", "PLANNING_PERIOD": "fortnight"}, "PLANNING_PERIOD='fortnight'"),
    ],
)
def test_bad_values_fail_at_start_with_the_variable_named(env, message):
    result = run_with(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_reports_no_warnings_under_production_settings():
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "sop.example.com"}
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": "sop_platform.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
