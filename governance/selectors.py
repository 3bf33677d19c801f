"""Reads of the governance app: what a user may do."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from governance.choices import Role
from inventory.models import Location

LOADER_ROLES = (Role.INTEGRATION, Role.ADMIN)


def user_can_load_data(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Loading input data through the API is for integrations and administrators."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=LOADER_ROLES).exists()


def scope_locations(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Location] | None:
    """The locations a user's reads are limited to, or None for no limit.

    A planner or manager is scoped by object permissions: when ``inventory.view_location`` has
    been granted to the user on particular locations (django-guardian, e.g. in the admin),
    reads show those locations' rows only. Without such grants, and for administrators and
    integrations, reads are not limited beyond the model permission.
    """
    if not user.is_authenticated or user.is_superuser:
        return None
    if user.groups.filter(name__in=LOADER_ROLES).exists():
        return None
    granted = get_objects_for_user(
        user,
        "inventory.view_location",
        klass=Location,
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    )
    return granted if granted.exists() else None
