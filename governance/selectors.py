"""Reads of the governance app: what a user may do, and which locations they may see."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from governance.choices import Role
from inventory.models import Location

LOADER_ROLES = (Role.INTEGRATION, Role.ADMIN)
# The explicit whole-network grant (a user or group permission, given in the admin).
WHOLE_NETWORK = "inventory.scope_all_locations"
LOCATION_GRANT = "inventory.view_location"
NO_SCOPE_MESSAGE = (
    "No location is in your scope yet, so there is nothing to show. "
    "Ask an administrator to grant you locations (or the whole network)."
)


def user_can_load_data(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Loading input data through the API is for integrations and administrators."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=LOADER_ROLES).exists()


@dataclass(frozen=True)
class LocationScope:
    """The locations a user's reads and writes are limited to.

    ``whole_network`` for administrators, integrations and users granted the whole network;
    otherwise exactly the locations granted to the user (django-guardian object permissions).
    No grant means no location: scopes fail closed.
    """

    whole_network: bool
    location_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        """True when the user may see no location at all."""
        return not self.whole_network and not self.location_ids

    def restrict(self, queryset: QuerySet, path: str = "location") -> QuerySet:
        """``queryset`` limited to rows whose ``path`` (a lookup to a Location) is in scope."""
        if self.whole_network:
            return queryset
        return queryset.filter(**{f"{path}__in": self.location_ids})

    def restrict_any(self, queryset: QuerySet, paths: Iterable[str]) -> QuerySet:
        """Rows that touch a location in scope through any of ``paths`` (e.g. both lane ends)."""
        if self.whole_network:
            return queryset
        touching = Q()
        for path in paths:
            touching |= Q(**{f"{path}__in": self.location_ids})
        return queryset.filter(touching)

    def covers(self, location_ids: Iterable[int]) -> bool:
        """Whether every location of a non-empty set is in scope; an empty set means the whole
        network, which only a whole-network scope covers."""
        wanted = set(location_ids)
        if self.whole_network:
            return True
        return bool(wanted) and wanted <= self.location_ids

    def locations(self) -> QuerySet[Location]:
        """The locations in scope."""
        return self.restrict(Location.objects.all(), "pk")


def location_scope(*, user: AbstractBaseUser | AnonymousUser) -> LocationScope:
    """The user's location scope, computed once per user object (i.e. per request)."""
    cached = getattr(user, "_location_scope", None)
    if cached is None:
        cached = _location_scope(user)
        if user.is_authenticated:
            user._location_scope = cached
    return cached


def _location_scope(user: AbstractBaseUser | AnonymousUser) -> LocationScope:
    if not user.is_authenticated or not user.is_active:
        return LocationScope(whole_network=False)
    if user.has_perm(WHOLE_NETWORK) or user_can_load_data(user=user):
        return LocationScope(whole_network=True)  # superusers hold every permission
    granted = get_objects_for_user(
        user,
        LOCATION_GRANT,
        klass=Location,
        use_groups=True,
        with_superuser=False,
        accept_global_perms=False,
    )
    return LocationScope(
        whole_network=False, location_ids=frozenset(granted.values_list("pk", flat=True))
    )
