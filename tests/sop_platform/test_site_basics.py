"""What a user notices first: the favicon, the API's root page, who started a run, the
README's link to the design notes."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from inventory.choices import RunTrigger
from inventory.runs.models import PolicyRun

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_favicon_is_served_without_login_and_named_by_every_page(planner):
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.svg")
    assert finders.find("favicon.svg")
    client = Client()
    client.force_login(planner)
    assert 'rel="icon"' in client.get("/", follow=True).content.decode()


@pytest.mark.django_db
def test_the_api_root_lists_every_endpoint_for_a_signed_in_client(planner):
    assert Client().get("/api/v1/").status_code in (401, 403)
    client = Client()
    client.force_login(planner)
    links = client.get("/api/v1/").json()
    assert links["read"]["policy-table"].endswith("/api/v1/policy-table/")
    assert links["read"]["proposal"].endswith("/api/v1/proposals/")
    assert links["load"]["items"].endswith("/api/v1/items/bulk/")
    assert links["other"]["schema"].endswith("/api/v1/schema/")
    for group in links.values():
        for url in group.values():
            assert client.get(url).status_code != 404, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trigger", "text"),
    [
        (RunTrigger.USER, "The command line (manage.py optimize)"),
        (RunTrigger.SCHEDULE, "The monthly schedule"),
        (RunTrigger.EVENT, "A lead-time change event"),
    ],
)
def test_a_run_says_who_or_what_started_it(planner, trigger, text):
    run = PolicyRun.objects.create(algorithm_version="test", trigger=trigger)
    assert run.started_by == text
    mine = PolicyRun.objects.create(algorithm_version="test", actor=planner)
    assert mine.started_by == planner.username
    client = Client()
    client.force_login(planner)
    assert text in client.get(f"/runs/{run.pk}/").content.decode()
    assert text in client.get("/runs/").content.decode()


def test_the_readmes_links_to_files_exist_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "](docs/design.md)" in readme and (ROOT / "docs/design.md").exists()
    assert "](../" not in readme
