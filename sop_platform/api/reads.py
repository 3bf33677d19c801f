"""Building blocks of the read endpoints: permissions, pagination and a view-set factory."""

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import DjangoModelPermissions

from governance.selectors import location_scope


class ViewPermission(DjangoModelPermissions):
    """Reading needs the model's view permission (DRF's default lets any user read)."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class StrictPageSizeMixin:
    """``?page_size=`` must be a whole number from 1 to ``max_page_size`` (DRF silently falls
    back to the default page size otherwise); a bad one is a 400 naming the parameter."""

    def get_page_size(self, request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None or given == "":
            return self.page_size
        if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: f"A whole number from 1 to {self.max_page_size}."}
            )
        return int(given)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


class IdCursorPagination(StrictPageSizeMixin, CursorPagination):
    """Stable cursor pages in load order; ``page_size`` up to 5,000 per request."""

    ordering = "id"
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5_000


class ScopedReadViewSet(viewsets.ReadOnlyModelViewSet):
    """Rows at the locations the caller is scoped to (see governance.selectors)."""

    location_path: str | None = None  # lookup from the model to its Location, None = unscoped

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if self.location_path is None:
            return queryset
        return location_scope(user=self.request.user).restrict(queryset, self.location_path)


def read_viewset(
    queryset: QuerySet,
    serializer: type[serializers.Serializer],
    filterset,
    location_path: str | None = None,
) -> type[viewsets.ReadOnlyModelViewSet]:
    """A read-only, filtered, cursor-paginated view set of one model, limited to the caller's
    locations through ``location_path`` (e.g. "location", "po_line__destination")."""
    return type(
        f"{queryset.model.__name__}ReadViewSet",
        (ScopedReadViewSet,),
        {
            "location_path": location_path,
            "__doc__": f"Read {queryset.model._meta.verbose_name_plural}, filtered and paged.",
            "queryset": queryset,
            "serializer_class": serializer,
            "filterset_class": filterset,
            "permission_classes": [ViewPermission],
            "pagination_class": IdCursorPagination,
            "throttle_scope": "read",
        },
    )


def natural_key_serializer(model, fields: list[str], references: dict[str, str]):
    """A read serializer of ``fields``, with foreign keys shown by natural key: ``{"item":
    "sku"}`` shows the item's SKU under ``item``; a dotted value such as
    ``{"po_number": "po_line.po_number"}`` reads through the relation."""
    attributes = {
        name: serializers.ReadOnlyField(source=slug)
        if "." in slug
        else serializers.SlugRelatedField(slug_field=slug, read_only=True)
        for name, slug in references.items()
    }
    attributes["Meta"] = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}ReadSerializer", (serializers.ModelSerializer,), attributes)
