"""Fixtures shared by the whole suite: one user per role."""

import pytest
from django.contrib.auth.models import Group

from governance.choices import Role


def _user_in_role(django_user_model, role: str, **flags):
    user = django_user_model.objects.create_user(
        username=f"test-{role}", password="test-password-123", **flags
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def planner(db, django_user_model):
    """A user in the planner group."""
    return _user_in_role(django_user_model, Role.PLANNER)


@pytest.fixture
def manager(db, django_user_model):
    """A staff user in the manager group."""
    return _user_in_role(django_user_model, Role.MANAGER, is_staff=True)


@pytest.fixture
def executive(db, django_user_model):
    """A user in the executive group."""
    return _user_in_role(django_user_model, Role.EXECUTIVE)


@pytest.fixture
def admin_user_in_role(db, django_user_model):
    """A staff user in the admin group (not a superuser: permissions come from the group)."""
    return _user_in_role(django_user_model, Role.ADMIN, is_staff=True)


@pytest.fixture
def no_role_user(db, django_user_model):
    """A user who belongs to no role group."""
    return django_user_model.objects.create_user(username="nobody", password="test-password-123")


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """API throttling counts requests in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def integration(db, django_user_model):
    """An API client holding the token of a user in the integration role."""
    from tests.api_helpers import client_for

    return client_for(_user_in_role(django_user_model, Role.INTEGRATION))
