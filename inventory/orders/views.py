"""Placeholder: being built (#12)."""

from django.http import Http404, HttpRequest, HttpResponse


def _not_built(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404("Not built yet.")


orders = orders_export = _not_built
