"""A run's output pages: its recommendations (and their CSV) and the exceptions it last raised,
with the form that hands an exception to ``planning_exception_update``."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from governance.choices import ExceptionKind, ExceptionStatus
from governance.models import ExceptionRule, PlanningException
from inventory.models import Location, PolicyRecommendation
from inventory.reasons import reason_text
from inventory.runs.models import PolicyRun
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from sop_platform.display import percent, units

# The demo history ends on the current Monday, so its exceptions depend on the date.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]


@pytest.fixture
def run(settings, django_capture_on_commit_callbacks) -> PolicyRun:
    """A finished run over the demo network: 20 SKUs × 3 locations, 60 recommendations (4
    blocked) and 62 exceptions, computed in this process (the counts are the parametric
    model's at the demo's statistical forecasts: one more order-constraints conflict than at the
    history's mean)."""
    settings.RUNS_SYNC = True
    # Every exception found is raised (no thresholds): these pages need two pages of them.
    # The thresholds themselves: tests/governance/test_inbox_rules.py.
    ExceptionRule.objects.update(min_money_at_risk=0)
    call_command(
        "load_demo", "--skus", "20", "--locations", "3", "--weeks", "30", "--seed", "1",
        stdout=StringIO(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        started = policy_run_start(scope=RunScope(), parameters={"demand_model": "parametric"})
    started.refresh_from_db()
    assert started.recommendations.count() == 60
    return started


def url(name: str, run: PolicyRun, *more) -> str:
    return reverse(f"inventory:{name}", args=[run.pk, *more])


def shown(response) -> list:
    """The rows of the page shown (recommendations or exceptions)."""
    assert response.status_code == 200
    rows = response.context["page"].object_list
    return [row.get("rec") or row.get("exception") for row in rows]


def row_html(text: str, exception: PlanningException) -> str:
    """An exception's row on the page, with its handling form when that is open."""
    row = text[text.index(f'<tr id="exception-{exception.pk}"') :]
    return row.split("</tbody>")[0].split('<tr id="exception-', 2)[1]


def exception_form(exception: PlanningException, **changes) -> dict:
    """The row form's fields as the page fills them in, with ``changes`` applied."""
    return {
        "owner": exception.owner.username if exception.owner else "",
        "status": exception.status,
        "due_date": exception.due_date.isoformat(),
        "resolution_notes": "",  # a note to add; the notes so far show beside the form
        **changes,
    }


# --- Access -------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, run):
    exception = run.exceptions.first()
    for page in ("run-recommendations", "run-recommendations-csv", "run-exceptions"):
        response = client.get(url(page, run))
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    response = client.post(url("run-exception-update", run, exception.pk), {"status": "resolved"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_users_without_the_view_permissions_get_403(client, no_role_user, run):
    exception = run.exceptions.first()
    client.force_login(no_role_user)
    for page in ("run-recommendations", "run-recommendations-csv", "run-exceptions"):
        assert client.get(url(page, run)).status_code == 403, page
    update = url("run-exception-update", run, exception.pk)
    assert client.post(update, exception_form(exception, owner="")).status_code == 403


def test_executive_reads_both_pages_but_cannot_handle_exceptions(client, executive, planner, run):
    exception = run.exceptions.order_by("pk").first()
    client.force_login(executive)
    assert len(shown(client.get(url("run-recommendations", run)))) == 50
    page = client.get(url("run-exceptions", run), {"handle": exception.pk})
    assert len(shown(page)) == 50
    text = page.content.decode()
    assert "?handle=" not in text and 'method="post"' not in text.split("<main>")[1]
    response = client.post(
        url("run-exception-update", run, exception.pk),
        exception_form(exception, owner=planner.username, status=ExceptionStatus.IN_PROGRESS),
    )
    assert response.status_code == 403
    exception.refresh_from_db()
    assert exception.owner is None and exception.status == ExceptionStatus.OPEN


def test_missing_runs_and_exceptions_of_another_run_are_404(client, planner, run):
    other = PolicyRun.objects.create(algorithm_version="test")
    exception = run.exceptions.first()
    client.force_login(planner)
    assert client.get(reverse("inventory:run-recommendations", args=[999])).status_code == 404
    assert client.get(reverse("inventory:run-exceptions", args=[999])).status_code == 404
    response = client.post(
        url("run-exception-update", other, exception.pk), exception_form(exception)
    )
    assert response.status_code == 404
    assert client.get(url("run-exception-update", run, exception.pk)).status_code == 405


def test_detail_page_links_to_the_output_pages_and_to_the_admin_only_for_staff(
    client, planner, manager, run
):
    client.force_login(planner)
    text = client.get(url("run-detail", run)).content.decode()
    assert f'href="{url("run-recommendations", run)}"' in text
    assert f'href="{url("run-exceptions", run)}"' in text
    assert "/admin/" not in text
    client.force_login(manager)
    text = client.get(url("run-detail", run)).content.decode()
    assert f'href="{url("run-recommendations", run)}"' in text
    assert f"/admin/inventory/policyrecommendation/?run__id__exact={run.pk}" in text


# --- Recommendations ----------------------------------------------------------------------


def test_number_formats():
    assert (units(None), units(0.0), units(1234.56), units(-2.04)) == (
        "—",
        "0.0",
        "1,234.6",
        "-2.0",
    )
    assert (percent(0.95), percent(0.975), percent(None)) == ("95 %", "97.5 %", "—")
    assert percent(-0.98599, signed=True) == "-98.6 %"
    assert percent(0.25, signed=True) == "+25 %" and percent(0.0, signed=True) == "+0 %"


def test_recommendations_page_shows_the_figures_of_a_row(client, planner, run):
    rec = PolicyRecommendation.objects.get(run=run, item__sku="SKU-000002", location__code="CDC-01")
    blocked = PolicyRecommendation.objects.filter(run=run, blocked=True).first()
    client.force_login(planner)
    response = client.get(url("run-recommendations", run))
    text = response.content.decode()
    assert "60 recommendations" in text and "Page 1 of 2" in text
    sku_location = reverse("inventory:sku-location", args=[rec.item_id, rec.location_id])
    row = text[
        text.index(f'<a href="{sku_location}" title="{rec.item.description}">SKU-000002</a>') :
    ]
    row = row.split("</tr>")[0]
    expected = [
        "CDC-01",
        f"{rec.segment}",
        f'{rec.service_target * 100:g} %<div class="sub">{rec.service_type}</div>',
        f"{rec.demand_mean:,.1f} ± {rec.demand_sd:,.1f}",
        rec.demand_sd_source.replace("_", " "),
        f"{rec.lead_time_mean:,.1f} ± {rec.lead_time_sd:,.1f}",
        f'<td class="num">{rec.safety_stock:,.1f}</td>',
        f'<td class="num">{rec.reorder_point:,.1f}</td>',
        f'<td class="num">{rec.min_level:,.1f} / {rec.max_level:,.1f}</td>',
        f'<td class="num">{rec.current_safety_stock:,.1f}<div class="sub"',
        f">{rec.safety_stock_change * 100:+.1f} %</div></td>",
        f'<td class="num">{rec.recommended_qty:,.1f}</td>',
    ]
    for fragment in expected:
        assert fragment in row, fragment
    for code in rec.stockout_reasons:  # in plain words, the code as the tooltip
        assert (
            f'<span class="reason reason-stockout" title="{code}">{reason_text(code)}</span>' in row
        )
    assert "Blocked</span>" not in row

    blocked_row = text[text.index(f'>{blocked.item.sku}</a><div><span class="badge flag') :]
    assert '<td class="num">—</td>' in blocked_row.split("</tr>")[0]  # min / max


def test_recommendation_filters_are_the_api_filterset(client, planner, run):
    client.force_login(planner)
    page = url("run-recommendations", run)

    def rows(**params) -> list[PolicyRecommendation]:
        return shown(client.get(page, params))

    blocked = rows(blocked="true")
    assert len(blocked) == 4 and all(r.blocked for r in blocked)
    assert len(rows(blocked="false")) == 50  # 56, first page
    assert {r.segment for r in rows(segment="AX")} == {"AX"} and len(rows(segment="AX")) == 6
    assert {r.location.code for r in rows(item="SKU-000002")} == {"CDC-01", "RDC-01", "RDC-02"}
    assert {r.item.sku for r in rows(location="RDC-01")} == {f"SKU-{n:06d}" for n in range(1, 21)}
    both = rows(location="RDC-01", segment="AX")
    assert both and {(r.location.code, r.segment) for r in both} == {("RDC-01", "AX")}
    assert rows(item="NO-SUCH-SKU") == []
    assert rows(run=run.pk + 1, item="SKU-000002")  # the run comes from the URL only
    text = client.get(page, {"segment": "AX", "blocked": "false"}).content.decode()
    assert '<option value="AX" selected>AX</option>' in text
    assert '<option value="false" selected>Not blocked</option>' in text
    assert "6 recommendations" in text
    assert "60 recommendations" in client.get(page, {"blocked": "maybe"}).content.decode()


def test_recommendations_page_by_50_keeps_the_filters(client, planner, run):
    client.force_login(planner)
    page = url("run-recommendations", run)
    first = client.get(page, {"blocked": "false"})
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?blocked=false&amp;page=2" rel="next"' in first.content.decode()
    second = shown(client.get(page, {"blocked": "false", "page": 2}))
    assert len(second) == 6 and not any(r.blocked for r in second)
    assert len(shown(client.get(page, {"page": 99}))) == 10  # past the end: the last page


def test_a_planner_granted_one_location_sees_only_its_rows(client, ungranted_planner, run):
    planner = ungranted_planner
    rdc = Location.objects.get(code="RDC-01")
    assign_perm("inventory.view_location", planner, rdc)
    exception = run.exceptions.exclude(location=rdc).first()
    client.force_login(planner)
    recs = client.get(url("run-recommendations", run))
    assert {r.location.code for r in shown(recs)} == {"RDC-01"}
    assert "20 recommendations" in recs.content.decode()
    assert recs.context["location_codes"] == ["RDC-01"]
    assert shown(client.get(url("run-recommendations", run), {"location": "CDC-01"})) == []
    lines = list(csv.reader(StringIO(csv_text(client, url("run-recommendations-csv", run)))))
    assert {line[1] for line in lines[1:]} == {"RDC-01"} and len(lines) == 21
    exceptions = shown(client.get(url("run-exceptions", run)))
    assert exceptions and {e.location.code for e in exceptions} == {"RDC-01"}
    response = client.post(
        url("run-exception-update", run, exception.pk),
        exception_form(exception, status=ExceptionStatus.IN_PROGRESS),
    )
    assert response.status_code == 404  # not at the planner's locations
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN


def csv_text(client, address: str, params: dict | None = None) -> str:
    response = client.get(address, params or {})
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content).decode()


def test_csv_download_streams_the_filtered_rows(client, planner, run):
    client.force_login(planner)
    listing = client.get(url("run-recommendations", run), {"blocked": "true"}).content.decode()
    download = f"{url('run-recommendations-csv', run)}?blocked=true"
    assert f'href="{download}"' in listing
    response = client.get(download)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="run-{run.pk}-recommendations.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(StringIO(b"".join(response.streaming_content).decode())))
    blocked = PolicyRecommendation.objects.filter(run=run, blocked=True).order_by(
        "item__sku", "location__code"
    )
    assert [(r["sku"], r["location"]) for r in rows] == [
        (b.item.sku, b.location.code) for b in blocked
    ]
    assert {r["blocked"] for r in rows} == {"True"} and rows[0]["safety_stock"] == ""
    assert rows[0]["data_quality_reasons"] == ";".join(blocked[0].data_quality_reasons)
    every = list(csv.reader(StringIO(csv_text(client, url("run-recommendations-csv", run)))))
    assert len(every) == 61 and every[0][:3] == ["sku", "location", "segment"]
    rec = PolicyRecommendation.objects.get(run=run, item__sku="SKU-000002", location__code="CDC-01")
    line = next(line for line in every if line[:2] == ["SKU-000002", "CDC-01"])
    assert float(line[every[0].index("safety_stock")]) == rec.safety_stock  # full precision


def test_page_queries_do_not_grow_with_rows(client, planner, run, django_assert_max_num_queries):
    run.exceptions.update(owner=planner)  # owners are shown too
    client.force_login(planner)

    def queries(address: str, **params) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(address, params)
            assert response.status_code == 200
        return len(captured)

    recommendations = url("run-recommendations", run)
    queries(recommendations)  # warms the content-type cache
    few = queries(recommendations, item="SKU-000002")  # 3 rows
    assert queries(recommendations) == few  # 50 rows
    exceptions = url("run-exceptions", run)
    first = run.exceptions.filter(kind=ExceptionKind.DATA_QUALITY).order_by("pk").first()
    few = queries(exceptions, kind=ExceptionKind.DATA_QUALITY)  # 9 rows
    assert queries(exceptions) == few  # 50 rows
    few = queries(exceptions, kind=ExceptionKind.DATA_QUALITY, handle=first.pk)
    assert queries(exceptions, handle=first.pk) == few  # and one form with its owner choices
    # session, user, 2 permissions, run, 2 location scope (twice: the rows' selector and the
    # location filter's choices), count, rows, locations (or the owner choices of the one
    # open form), the user's groups for the header
    with django_assert_max_num_queries(13):
        client.get(recommendations)
    with django_assert_max_num_queries(13):
        client.get(exceptions, {"handle": first.pk})


# --- Exceptions ---------------------------------------------------------------------------


def test_exceptions_page_shows_the_runs_exceptions_and_filters_them(client, planner, run):
    client.force_login(planner)
    page = url("run-exceptions", run)
    response = client.get(page)
    text = response.content.decode()
    assert "62 exceptions" in text and "Page 1 of 2" in text
    first = shown(response)[0]
    row = row_html(text, first)
    assert 'method="post"' not in text.split("<main>")[1]  # until a row's form is asked for
    for fragment in (
        first.get_kind_display(),
        f'<span class="badge severity-{first.severity}">{first.get_severity_display()}</span>',
        '<span class="badge exception-open">Open</span>',
        first.item.sku,
        first.location.code,
        *first.reasons,
        first.due_date.isoformat(),
        "today",
        f'<a href="?handle={first.pk}#exception-{first.pk}">Handle',
    ):
        assert fragment in row, fragment
    text = client.get(page, {"kind": first.kind, "handle": first.pk}).content.decode()
    row = row_html(text, first)
    action = f"{url('run-exception-update', run, first.pk)}?kind={first.kind}#exception-{first.pk}"
    assert f'action="{action}"' in row
    assert 'name="csrfmiddlewaretoken"' in row and text.count('method="post"') == 2  # + logout
    assert f'<a href="?kind={first.kind}#exception-{first.pk}">Close</a>' in row

    def rows(**params) -> list[PlanningException]:
        return shown(client.get(page, params))

    quality = rows(kind=ExceptionKind.DATA_QUALITY)
    assert len(quality) == 9 and {e.kind for e in quality} == {ExceptionKind.DATA_QUALITY}
    high = rows(kind=ExceptionKind.DATA_QUALITY, severity="high")
    assert len(high) == 4 and {e.severity for e in high} == {"high"}
    assert rows(status=ExceptionStatus.RESOLVED) == []
    PlanningException.objects.filter(pk=first.pk).update(
        status=ExceptionStatus.RESOLVED, resolution_notes="done"
    )
    assert rows(status=ExceptionStatus.RESOLVED) == [first]
    both = rows(status=[ExceptionStatus.RESOLVED, ExceptionStatus.IN_PROGRESS])
    assert both == [first]
    later = PolicyRun.objects.create(algorithm_version="test")
    PlanningException.objects.filter(pk=first.pk).update(last_run=later)
    assert first not in rows(status=ExceptionStatus.RESOLVED) + rows()  # last raised later
    text = client.get(page, {"status": "open", "kind": "excess_risk"}).content.decode()
    assert 'value="open" checked' in text and '<option value="excess_risk" selected>' in text
    invalid = client.get(page, {"kind": "junk"})
    assert "Kind: Select a valid choice." in invalid.content.decode()
    assert "(filter ignored)" in invalid.content.decode() and len(shown(invalid)) == 50


def test_resolving_without_notes_shows_the_services_error_and_changes_nothing(client, planner, run):
    exception = run.exceptions.order_by("pk").first()
    client.force_login(planner)
    response = client.post(
        url("run-exception-update", run, exception.pk) + "?kind=data_quality",
        exception_form(exception, status=ExceptionStatus.RESOLVED, owner=planner.username),
    )
    assert response.status_code == 200
    text = response.content.decode()
    row = row_html(text, exception)
    notes_error = (
        f'<ul class="errorlist" id="exception-{exception.pk}-resolution_notes_error">'
        "<li>Say how it was resolved or why it is dismissed.</li></ul>"
    )
    assert notes_error in row and '<tr class="handle-row">' in row
    assert 'aria-invalid="true"' in row and '<option value="resolved" selected>' in row
    assert len(shown(response)) == 9  # the filters of the page it was posted from
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN and exception.owner is None
    assert exception.resolved_at is None


def test_resolving_with_notes_resolves_and_returns_to_the_filtered_page(client, planner, run):
    exception = run.exceptions.order_by("pk").first()
    client.force_login(planner)
    address = url("run-exception-update", run, exception.pk) + "?kind=data_quality&page=1"
    response = client.post(
        address,
        exception_form(
            exception,
            status=ExceptionStatus.RESOLVED,
            resolution_notes="Demand history loaded.",
            owner=planner.username,
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{url('run-exceptions', run)}?kind=data_quality&page=1#exception-{exception.pk}"
    )
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.RESOLVED and exception.owner == planner
    assert exception.resolution_notes == "Demand history loaded."
    assert exception.resolved_at is not None
    text = client.get(response["Location"]).content.decode()
    assert f"Exception #{exception.pk} updated." in text
    assert '<span class="badge exception-resolved">Resolved</span>' in text
    again = client.post(address, exception_form(exception))
    assert "nothing changed" in client.get(again["Location"]).content.decode()
    # A later note is added to the notes, never over them.
    client.post(address, exception_form(exception, resolution_notes="Checked in the ERP too."))
    exception.refresh_from_db()
    assert exception.resolution_notes == "Demand history loaded.\nChecked in the ERP too."


def test_owner_choices_are_the_people_who_may_handle_exceptions(
    client, planner, manager, executive, run
):
    exception = run.exceptions.order_by("pk").first()
    client.force_login(manager)
    text = client.get(url("run-exceptions", run), {"handle": exception.pk}).content.decode()
    row = row_html(text, exception)
    assert f'<option value="{planner.username}">' in row
    assert f'<option value="{manager.username}">' in row
    assert executive.username not in row
    response = client.post(
        url("run-exception-update", run, exception.pk),
        exception_form(exception, owner=executive.username),
    )
    assert response.status_code == 200 and "Select a valid choice." in response.content.decode()
    response = client.post(
        url("run-exception-update", run, exception.pk),
        exception_form(exception, owner=planner.username, due_date="2030-01-31"),
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.owner == planner and exception.due_date.isoformat() == "2030-01-31"


def test_a_refused_reopen_shows_the_error_on_the_status_field(client, planner, run):
    exception = run.exceptions.order_by("pk").first()
    client.force_login(planner)
    update = url("run-exception-update", run, exception.pk)
    client.post(update, exception_form(exception, status="dismissed", resolution_notes="n/a"))
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.DISMISSED
    newer = PlanningException.objects.create(
        kind=exception.kind,
        severity=exception.severity,
        item=exception.item,
        location=exception.location,
        last_run=run,
        batch_number=1,
        due_date=exception.due_date,
    )
    response = client.post(update, exception_form(exception, status=ExceptionStatus.OPEN))
    text = response.content.decode()
    assert response.status_code == 200
    assert (
        f'id="exception-{exception.pk}-status_error"><li>Exception #{newer.pk} of this kind' in text
    )
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.DISMISSED


def test_the_update_needs_a_csrf_token(planner, run):
    exception = run.exceptions.order_by("pk").first()
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    response = client.post(
        url("run-exception-update", run, exception.pk),
        exception_form(exception, status=ExceptionStatus.IN_PROGRESS),
    )
    assert response.status_code == 403
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN
