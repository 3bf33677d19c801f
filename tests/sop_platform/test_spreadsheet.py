"""CSV exports are safe to open in a spreadsheet: no cell starts a formula."""

import csv
import io

import pytest
from django.urls import reverse

from governance.publication import publication_create
from inventory.choices import LeadTimeBasis, PolicyStatus, RunStatus
from inventory.models import PolicyRecommendation
from inventory.runs.models import PolicyRun
from inventory.runs.scope import RunScope
from sop_platform.spreadsheet import spreadsheet_safe
from tests.api_helpers import client_for
from tests.factories import make_item, make_location, make_policy

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_starts_a_formula_is_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["SKU-1", "", "a=b", -5, 3.5, None, True])
def test_other_values_are_left_alone(value):
    assert spreadsheet_safe(value) == value


def _cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))


@pytest.fixture
def hostile(db):
    """An item and a location whose codes a spreadsheet would run as formulas."""
    return make_item("=cmd|' /C calc'!A0"), make_location("@SUM(1+1)")


def test_the_policy_export_neutralises_formulas(hostile, planner, manager):
    item, location = hostile
    make_policy(item, location, status=PolicyStatus.ACTIVE)
    publication_create(user=manager)
    response = client_for(planner).get("/api/v1/policies/export/?format=csv")
    rows = _cells(b"".join(response.streaming_content))
    assert rows[1][:2] == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)"]


def test_the_recommendations_csv_neutralises_formulas(hostile, planner, client):
    item, location = hostile
    run = PolicyRun.objects.create(
        status=RunStatus.SUCCEEDED, scope=RunScope().as_json(), algorithm_version="test"
    )
    PolicyRecommendation.objects.create(
        run=run, batch_number=1, item=item, location=location, lead_time_basis=LeadTimeBasis.ACTUAL
    )
    client.force_login(planner)
    response = client.get(reverse("inventory:run-recommendations-csv", args=[run.pk]))
    rows = _cells(b"".join(response.streaming_content))
    assert rows[1][:2] == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)"]
