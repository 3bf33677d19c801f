"""What a run covers: locations, item categories, ABC-XYZ segments or explicit SKU-locations.

A scope is given by natural keys (location codes, SKUs) and resolved to ids when the run
starts; an empty list means "all". Two runs overlap unless some dimension keeps them apart.
"""

from dataclasses import asdict, dataclass, field, replace

from django.core.exceptions import PermissionDenied

from governance.selectors import NO_SCOPE_MESSAGE, LocationScope
from inventory.models import Item, Location

SEGMENTS = tuple(a + x for a in "ABC" for x in "XYZ")


class ScopeError(ValueError):
    """A scope naming something that does not exist; the message names the field and value."""


@dataclass(frozen=True)
class RunScope:
    """Resolved scope: ids, not codes. Empty tuples mean no restriction on that dimension."""

    location_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    pairs: tuple[tuple[int, int], ...] = ()  # (item id, location id)
    labels: dict = field(default_factory=dict, compare=False)  # the codes as given

    def as_json(self) -> dict:
        """Stored form on the run."""
        data = asdict(self)
        data["pairs"] = [list(p) for p in self.pairs]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "RunScope":
        """The scope stored on a run."""
        return cls(
            location_ids=tuple(data.get("location_ids", ())),
            categories=tuple(data.get("categories", ())),
            segments=tuple(data.get("segments", ())),
            pairs=tuple(tuple(p) for p in data.get("pairs", ())),
            labels=data.get("labels", {}),
        )

    def overlaps(self, other: "RunScope") -> bool:
        """Whether some SKU-location could be in both (segments are not known in advance)."""
        return not (
            _disjoint(self.location_ids, other.location_ids)
            or _disjoint(self.categories, other.categories)
            or _disjoint(self.pairs, other.pairs)
            or _disjoint(self.location_ids, tuple(loc for _, loc in other.pairs))
            or _disjoint(tuple(loc for _, loc in self.pairs), other.location_ids)
        )

    @property
    def is_whole_network(self) -> bool:
        """Restricted in no dimension: every SKU-location of the network."""
        return not (self.location_ids or self.categories or self.segments or self.pairs)

    def touched_location_ids(self) -> set[int]:
        """The locations the scope names (directly or through pairs); empty = all of them."""
        return set(self.location_ids) | {loc for _, loc in self.pairs}

    def describe(self) -> str:
        """One line for lists and logs."""
        parts = [f"{name}: {', '.join(map(str, values))}" for name, values in self.labels.items()]
        return "; ".join(parts) or "whole network"


def scope_for_user(scope: RunScope, allowed: LocationScope) -> RunScope:
    """The scope a user may run: as given when ``allowed`` covers it; a scope naming no
    location becomes "all of the user's locations"; anything else raises ``PermissionDenied``
    naming the locations outside the user's scope."""
    if allowed.whole_network:
        return scope
    if allowed.is_empty:
        raise PermissionDenied(NO_SCOPE_MESSAGE)
    if not scope.touched_location_ids():
        codes = sorted(allowed.locations().values_list("code", flat=True))
        labels = {"locations": codes, **scope.labels}
        return replace(scope, location_ids=tuple(sorted(allowed.location_ids)), labels=labels)
    outside = scope.touched_location_ids() - allowed.location_ids
    if outside:
        codes = sorted(Location.objects.filter(pk__in=outside).values_list("code", flat=True))
        raise PermissionDenied(
            f"Location(s) {', '.join(codes)} are outside your scope; ask an administrator "
            "for a grant, or leave them out."
        )
    return scope


def scope_check_covered(scope: RunScope, allowed: LocationScope) -> None:
    """Raise ``PermissionDenied`` unless every location the scope touches is in ``allowed``
    (a scope naming no location touches the whole network)."""
    if not allowed.covers(scope.touched_location_ids()):
        raise PermissionDenied(
            f"This run covers {scope.describe()}, beyond your locations; only someone whose "
            "scope covers it may change it."
        )


def _disjoint(left: tuple, right: tuple) -> bool:
    return bool(left) and bool(right) and not set(left) & set(right)


def scope_resolve(
    *,
    locations: list[str] | None = None,
    categories: list[str] | None = None,
    segments: list[str] | None = None,
    sku_locations: list[tuple[str, str]] | None = None,
) -> RunScope:
    """Turn codes into a scope of ids; raises :class:`ScopeError` naming what is unknown."""
    locations, categories = list(locations or []), list(categories or [])
    segments, sku_locations = [s.upper() for s in segments or []], list(sku_locations or [])
    location_ids = _ids(Location, "code", locations, "locations")
    known = set(Item.objects.filter(category__in=categories).values_list("category", flat=True))
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise ScopeError(f"categories: no item has category {', '.join(map(repr, unknown))}.")
    bad = [s for s in segments if s not in SEGMENTS]
    if bad:
        raise ScopeError(f"segments: {', '.join(bad)} is not one of {', '.join(SEGMENTS)}.")
    labels = {
        name: values
        for name, values in (
            ("locations", locations),
            ("categories", categories),
            ("segments", segments),
            ("sku_locations", [f"{s}@{loc}" for s, loc in sku_locations]),
        )
        if values
    }
    return RunScope(
        location_ids=tuple(sorted(location_ids.values())),
        categories=tuple(sorted(set(categories))),
        segments=tuple(sorted(set(segments))),
        pairs=_pairs(sku_locations),
        labels=labels,
    )


def _ids(model, field_name: str, codes: list[str], label: str) -> dict[str, int]:
    found = dict(model.objects.filter(**{f"{field_name}__in": codes}).values_list(field_name, "pk"))
    missing = [c for c in codes if c not in found]
    if missing:
        raise ScopeError(f"{label}: unknown {', '.join(map(repr, missing[:10]))}.")
    return found


def _pairs(sku_locations: list[tuple[str, str]]) -> tuple[tuple[int, int], ...]:
    for index, pair in enumerate(sku_locations):
        if len(pair) != 2 or not all(isinstance(v, str) and v for v in pair):
            raise ScopeError(f"sku_locations[{index}]: give [SKU, location code].")
    items = _ids(Item, "sku", sorted({s for s, _ in sku_locations}), "sku_locations (SKU)")
    places = _ids(
        Location, "code", sorted({loc for _, loc in sku_locations}), "sku_locations (location)"
    )
    return tuple(sorted({(items[s], places[loc]) for s, loc in sku_locations}))
