"""Fixtures shared by the whole suite: one user per role; the suite's clock option."""

import os

import pytest
from django.contrib.auth.models import Group

from governance.choices import Role
from tests.clock import SHIFT_VARIABLE, pinned_clock, shift_clock_from_env


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-shift-days",
        type=int,
        default=None,
        help="Run the suite with the clock moved by this many days (e.g. 365 or -365).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Shift the clock before anything reads it; worker processes inherit the variable."""
    days = config.getoption("--clock-shift-days")
    if days is not None:
        os.environ[SHIFT_VARIABLE] = str(days)
    shift_clock_from_env()


@pytest.fixture
def pinned_now():
    """The clock fixed on ``tests.clock.PINNED_NOW`` for a test whose data are dated."""
    with pinned_clock() as traveller:
        yield traveller


def pytest_report_header(config: pytest.Config) -> str | None:
    days = os.environ.get(SHIFT_VARIABLE)
    return f"clock shifted by {days} days" if days else None


def _user_in_role(django_user_model, role: str, username: str = "", **flags):
    user = django_user_model.objects.create_user(
        username=username or f"test-{role}", password="test-password-123", **flags
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def _whole_network(user):
    from governance.services import location_scope_grant

    location_scope_grant(user=user, whole_network=True)
    return user


@pytest.fixture
def planner(db, django_user_model):
    """A user in the planner group, granted the whole network."""
    return _whole_network(_user_in_role(django_user_model, Role.PLANNER))


@pytest.fixture
def ungranted_planner(db, django_user_model):
    """A planner granted no location yet: sees nothing until a test grants some."""
    return _user_in_role(django_user_model, Role.PLANNER, username="test-ungranted-planner")


@pytest.fixture
def manager(db, django_user_model):
    """A staff user in the manager group, granted the whole network."""
    return _whole_network(_user_in_role(django_user_model, Role.MANAGER, is_staff=True))


@pytest.fixture
def executive(db, django_user_model):
    """A user in the executive group, granted the whole network."""
    return _whole_network(_user_in_role(django_user_model, Role.EXECUTIVE))


@pytest.fixture
def admin_user_in_role(db, django_user_model):
    """A staff user in the admin group (not a superuser: permissions come from the group)."""
    return _user_in_role(django_user_model, Role.ADMIN, is_staff=True)


@pytest.fixture
def no_role_user(db, django_user_model):
    """A user who belongs to no role group."""
    return django_user_model.objects.create_user(username="nobody", password="test-password-123")


@pytest.fixture(autouse=True)
def _fresh_caches():
    """API throttle counts and the scorecard's evidence are cached; each test starts with
    none."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def integration(db, django_user_model):
    """An API client holding the token of a user in the integration role."""
    from tests.api_helpers import client_for

    return client_for(_user_in_role(django_user_model, Role.INTEGRATION))
