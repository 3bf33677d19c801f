"""Placeholder: being built (#12)."""

from django.http import Http404, HttpRequest, HttpResponse


def _not_built(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise Http404("Not built yet.")


policy_table = policy_table_export = policy_table_propose = _not_built
