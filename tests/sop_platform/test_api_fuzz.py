"""Property-based fuzzing of the bulk endpoints from their OpenAPI schema: never a 5xx.

schemathesis generates bodies that match each resource's row schema and bodies that break
it (wrong types, missing fields, odd strings); every answer must be a 2xx or a 4xx.
"""

import json

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from sop_platform.accounts.tokens import api_token_issue


def _bulk_schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    document = json.loads(OpenApiJsonRenderer().render(document))
    document["paths"] = {p: op for p, op in document["paths"].items() if p.endswith("/bulk/")}
    return document


schema = schemathesis.openapi.from_dict(_bulk_schema())
schema.app = WSGIHandler()


@pytest.fixture
def token(django_user_model, references) -> str:
    user = django_user_model.objects.create_user(username="fuzz", password="fuzz-pw-123-x")
    user.groups.add(Group.objects.get(name="integration"))
    return api_token_issue(user=user, days=30).key


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_bulk_endpoints_never_answer_5xx(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, (case.path, case.body, response.text[:500])
