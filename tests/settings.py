"""Settings for the test suite: the real settings, with test-only speed-ups.

The database is whatever ``DATABASE_URL`` says (SQLite file by default), so the same suite runs
on SQLite and PostgreSQL.
"""

import os
import secrets

# A throw-away key per test run; tests that need production behaviour set their own.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from sop_platform.settings import *  # noqa: E402

# Hashing with MD5 is only acceptable because these users never leave the test database.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# In-process clients: Django's test client (testserver) and schemathesis' WSGI client (localhost).
ALLOWED_HOSTS = ["testserver", "localhost"]
# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is absent
# The shared cache per test process, cleared before each test (tests/conftest.py): a database
# table would keep entries across the transactional tests, which flush model tables only.
CACHES = {**CACHES, "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Throttling is production behaviour; the suite (and the fuzzer) send far more than a client.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"bulk": "1000000/minute", "read": "1000000/minute"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the django-q2 cluster the run tests start must see the same database.
    # One per test process, so parallel runs of the suite do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_sop_{os.getpid()}.sqlite3")}
# Optimized runs' curves between their passes, apart from a development server's (the file
# names carry the database's, so parallel test processes keep apart too).
RUNS_CURVES_DIR = VAR_DIR / "test-run-curves"
