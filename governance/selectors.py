"""Reads of the governance app: what a user may do."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from governance.choices import Role

LOADER_ROLES = (Role.INTEGRATION, Role.ADMIN)


def user_can_load_data(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Loading input data through the API is for integrations and administrators."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=LOADER_ROLES).exists()
