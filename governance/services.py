"""Writes of the governance app: role permissions and development demo users."""

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from governance.choices import Role

DATA_APPS = ("inventory", "demand", "supply", "scenarios", "governance")

# Model-level grants per role. Object-level scoping (which locations / categories a planner
# or manager owns) is added with django-guardian by the issues that need it.
RUN_GRANTS = ["inventory.start_policyrun", "governance.change_planningexception"]
_EXTRA_GRANTS: dict[str, list[str]] = {
    Role.PLANNER: RUN_GRANTS,
    Role.MANAGER: ["inventory.change_inventorypolicy", *RUN_GRANTS],
    Role.EXECUTIVE: [],
    Role.INTEGRATION: [],
}


def _view_permissions() -> list[Permission]:
    return list(
        Permission.objects.filter(
            content_type__app_label__in=DATA_APPS, codename__startswith="view_"
        )
    )


def _named_permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return found


@transaction.atomic
def role_permissions_sync() -> None:
    """Give each role group its model permissions (idempotent; adds, never removes).

    planner, manager, executive, integration: view every data model; planners and managers
    may start optimization runs and handle exceptions; managers may also change policies
    (loading through the API is the integration role's, checked by the API);
    admin: every permission of the data apps and of user and group administration.
    """
    view = _view_permissions()
    for role, extra in _EXTRA_GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*view, *_named_permissions(extra))
    admin, _ = Group.objects.get_or_create(name=Role.ADMIN)
    admin.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=(*DATA_APPS, "auth"))
    )


def role_permissions_sync_after_migrate(**kwargs: Any) -> None:
    """post_migrate receiver: sync grants once the permissions exist."""
    role_permissions_sync()


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's login, printed by ``make run``."""

    role: str
    username: str
    password: str


@transaction.atomic
def demo_users_ensure() -> list[DemoLogin]:
    """Create or reset one demo user per role with a fresh random password.

    Development only: refuses unless ``DEBUG`` is on, so production never gets known logins.
    Managers and admins are staff (they work in the admin); the admin is a superuser.
    """
    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo users are for development only (DEBUG is off).")
    role_permissions_sync()
    user_model = get_user_model()
    logins = []
    for role in Role:
        username = f"demo-{role.value}"
        user, _ = user_model.objects.get_or_create(username=username)
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.is_staff = role in (Role.MANAGER, Role.ADMIN)
        user.is_superuser = role == Role.ADMIN
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        logins.append(DemoLogin(role=role.label, username=username, password=password))
    return logins
