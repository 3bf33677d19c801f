"""The schema tells the truth: every operation, fuzzed from the OpenAPI schema with all of
schemathesis' checks (status codes, content types, headers, response shapes, negative data
rejected and positive data accepted), on a bounded number of examples."""

import json

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from sop_platform.accounts.tokens import api_token_issue


def _api_schema() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


# Rows and run scopes name other rows by natural key (SKU-1, DC-1, a PO line), and bulk dates
# lie within a window around today: a body can match the schema and still name a SKU that does
# not exist. Those operations may answer a schema-valid body with a 400 naming the row and field
# (or, for a run, 403 beyond the caller's scope and 409 for an overlapping run). The policy
# workflow's bodies name recommendations, runs and proposals, and its rules (a justification
# with an override or a release, values in order, nobody deciding their own proposal, a
# decision already taken) refuse schema-valid bodies the same way, as do the forecast
# overrides' (a rationale, a period from this week on, nobody deciding their own); so does
# the KPI query's location code outside the caller's scope and a last week before the first,
# and the forecast accuracy query's location code outside the caller's scope.
# Every other check, and every other operation, keeps schemathesis' defaults.
CONFIG = schemathesis.config.SchemathesisConfig.from_str(
    """
[[operations]]
include-path-regex = "(/bulk/$)|(^/api/v1/(runs|forecast-runs|kpis|publications)/$)|\
(^/api/v1/(proposals|forecast-overrides|forecast-accuracy)/)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "403", "404", "409", "413"]
"""
)
schema = schemathesis.openapi.from_dict(_api_schema(), config=CONFIG)
schema.app = WSGIHandler()


@pytest.fixture
def token(django_user_model, references) -> str:
    """A manager's token: may read everything, start runs and handle exceptions."""
    user = django_user_model.objects.create_user(username="schema", password="schema-pw-123-x")
    user.groups.add(Group.objects.get(name="manager"), Group.objects.get(name="integration"))
    return api_token_issue(user=user, days=30).key


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, token):
    if _rejects_rows(case) and (case.query or {}).get("partial") in ("true", True):
        # A partial load answers 200 with its rejected rows reported, by design: send the
        # rejected body as a whole load, which must answer 400.
        case.query = {**case.query, "partial": "false"}
    case.call_and_validate(headers={"Authorization": f"Token {token}"})


def _rejects_rows(case) -> bool:
    """A bulk load whose body (not a parameter) breaks the schema."""
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    return negative and case.path.endswith("/bulk/")
