"""The figures of the hand-computed day (tests/supervision/conftest.py), and the CSV export with the same numbers."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client

from queueing.models import Reason, Ticket
from supervision.reports import Period, build_report, rating_figures, ticket_figures
from tests.conftest import make_staff
from tests.supervision.conftest import DAY, Scenario

pytestmark = pytest.mark.django_db


def row_of(report_table: list[list[object]], label: str) -> list[object]:
    return next(row for row in report_table if row[0] == label)


def test_the_scenario_is_what_the_figures_are_computed_from(scenario: Scenario) -> None:
    statuses = {n: t.status for n, t in scenario.tickets.items()}
    assert statuses == {
        "A001": "done",
        "A002": "done",
        "A003": "no_show",
        "B001": "done",
        "B002": "done",
        "B003": "waiting",
    }


def test_overall_averages_p90_and_no_show_rate(scenario: Scenario) -> None:
    f = ticket_figures(Period(scenario.site, DAY, DAY))[0]
    assert (f.tickets, f.served, f.no_shows) == (6, 4, 1)
    assert f.no_show_rate == 20.0
    # waits 2, 4, 10, 12, 16 min: mean 8.8, nearest-rank p90 = 5th of 5
    assert f.avg_wait == pytest.approx(8.8 * 60, abs=0.01)
    assert f.p90_wait == pytest.approx(16 * 60, abs=0.01)
    # handling 5, 10, 20, 31 min: mean 16.5, p90 = 4th of 4
    assert f.avg_handling == pytest.approx(16.5 * 60, abs=0.01)
    assert f.p90_handling == pytest.approx(31 * 60, abs=0.01)


def test_figures_per_desk_officer_and_hour(scenario: Scenario) -> None:
    period = Period(scenario.site, DAY, DAY)
    desks = {f.key: f for f in ticket_figures(period, "desk_id")}
    d1, d2 = desks[scenario.desk1.pk], desks[scenario.desk2.pk]
    assert (d1.tickets, d1.served, d1.no_shows, d1.no_show_rate) == (3, 2, 1, 33.3)
    assert d1.avg_wait == pytest.approx((10 + 16 + 12) / 3 * 60, abs=0.01)
    assert d1.p90_wait == pytest.approx(16 * 60, abs=0.01)  # rank ⌈2.7⌉ = 3 of 10, 12, 16
    assert d1.p90_handling == pytest.approx(20 * 60, abs=0.01)  # rank ⌈1.8⌉ = 2 of 10, 20
    assert (d2.tickets, d2.served, d2.no_shows, d2.no_show_rate) == (2, 2, 0, 0.0)
    assert d2.avg_wait == pytest.approx(3 * 60, abs=0.01)
    assert d2.avg_handling == pytest.approx(18 * 60, abs=0.01)
    officers = {f.key: f for f in ticket_figures(period, "officer_id")}
    assert officers[scenario.officer1.pk].tickets == 3
    assert officers[scenario.officer2.pk].p90_handling == pytest.approx(31 * 60, abs=0.01)
    hours = {f.key: f for f in ticket_figures(period, "hour")}
    assert sorted(hours) == [9, 10]  # local hours, not UTC (01, 02)
    assert (hours[9].tickets, hours[9].served, hours[9].no_shows) == (3, 3, 0)
    assert hours[9].avg_wait == pytest.approx((10 + 16 + 2) / 3 * 60, abs=0.01)
    assert hours[9].p90_wait == pytest.approx(16 * 60, abs=0.01)
    assert (hours[10].tickets, hours[10].no_show_rate) == (3, 50.0)
    assert hours[10].p90_wait == pytest.approx(12 * 60, abs=0.01)  # rank 2 of 4, 12


def test_ratings_and_satisfaction_per_desk_and_officer(scenario: Scenario) -> None:
    period = Period(scenario.site, DAY, DAY)
    total = rating_figures(period)[0]
    assert (total.ratings, total.satisfied, total.bad, total.satisfaction) == (4, 3, 1, 75.0)
    assert total.avg_overall == 4.0
    desks = {r.key: r for r in rating_figures(period, "desk_id")}
    assert (desks[scenario.desk1.pk].satisfaction, desks[scenario.desk1.pk].avg_overall) == (50.0, 3.5)
    assert (desks[scenario.desk2.pk].satisfaction, desks[scenario.desk2.pk].avg_overall) == (100.0, 4.5)
    officers = {r.key: r for r in rating_figures(period, "officer_id")}
    assert officers[scenario.officer1.pk].bad == 1
    assert officers[scenario.officer2.pk].bad == 0


def test_the_report_tables_show_minutes_and_rates(scenario: Scenario) -> None:
    report = build_report(Period(scenario.site, DAY, DAY), today=DAY)
    summary = report.table("summary").rows[0]
    assert summary[1:] == [6, 4, 1, 20.0, 8.8, 16.0, 16.5, 31.0]
    desk1 = row_of(report.table("by_desk").rows, "1号窗口")
    assert desk1[1:] == [3, 2, 1, 33.3, 12.7, 16.0, 15.0, 20.0]
    officer1 = row_of(report.table("ratings_by_officer").rows, "officer1")
    assert officer1[1:5] == [2, 1, 50.0, 1]
    cases = report.table("cases").rows
    assert [(row[1], row[4]) for row in cases] == [("A002", 2)]


def test_a_day_outside_the_range_counts_nothing(scenario: Scenario) -> None:
    f = ticket_figures(Period(scenario.site, DAY.replace(day=3), DAY.replace(day=30)))[0]
    assert (f.tickets, f.avg_wait, f.p90_wait) == (0, None, None)


def parse_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def signed_in(scenario: Scenario, client: Client) -> Client:
    client.force_login(make_staff("boss", scenario.site, "supervisor"))
    return client


def test_the_csv_export_has_the_same_numbers(scenario: Scenario, signed_in: Client) -> None:
    url = f"/supervision/hall/export/by_desk.csv?start={DAY}&end={DAY}"
    response = signed_in.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = parse_csv(response.content)
    header, body = rows[0], rows[1:]
    assert header[0] == "Desk" or header[0] == "窗口"
    desk1 = next(row for row in body if row[0] == "1号窗口")
    assert [float(x) for x in desk1[1:]] == [3, 2, 1, 33.3, 12.7, 16.0, 15.0, 20.0]
    summary = parse_csv(signed_in.get(f"/supervision/hall/export/summary.csv?start={DAY}&end={DAY}").content)
    assert [float(x) for x in summary[1][1:]] == [6, 4, 1, 20.0, 8.8, 16.0, 16.5, 31.0]
    ratings = parse_csv(signed_in.get(f"/supervision/hall/export/ratings_by_desk.csv?start={DAY}&end={DAY}").content)
    desk2 = next(row for row in ratings[1:] if row[0] == "2号窗口")
    assert desk2[1:4] == ["2", "2", "100.0"]


def test_csv_cells_cannot_start_a_formula(scenario: Scenario, signed_in: Client, officer: User) -> None:
    Reason.objects.create(site=scenario.site, code="x", label="=HYPERLINK(1)")
    from queueing import services

    ticket = services.issue_ticket(
        site=scenario.site,
        prefix="A",
        actor=services.Actor(kind="kiosk"),
        now=Ticket.objects.get(number="B003").issued_at,
    ).ticket
    services.call_number(
        desk=scenario.desk1,
        number=ticket.number,
        reason_code="x",
        note="+cmd|' /C calc'!A0",
        actor=services.Actor(kind="officer", user=officer),
        now=ticket.issued_at,
    )
    rows = parse_csv(signed_in.get(f"/supervision/hall/export/fairness_log.csv?start={DAY}&end={DAY}").content)
    line = next(row for row in rows[1:] if row[3] == ticket.number)
    assert line[5] == "'=HYPERLINK(1)"
    assert line[6] == "'+cmd|' /C calc'!A0"


def test_an_unknown_table_is_404(signed_in: Client) -> None:
    assert signed_in.get("/supervision/hall/export/nope.csv").status_code == 404


@pytest.mark.parametrize("table", ["summary", "by_type", "by_desk", "by_officer", "by_hour", "ratings_by_desk",
                                   "ratings_by_officer", "cases", "fairness_by_officer", "fairness_log", "notices",
                                   "missing_items", "complaints"])  # fmt: skip
def test_every_table_exports_with_a_header_and_its_rows(scenario: Scenario, signed_in: Client, table: str) -> None:
    from supervision.reports import TABLE_KEYS

    assert table in TABLE_KEYS
    rows = parse_csv(signed_in.get(f"/supervision/hall/export/{table}.csv?start={DAY}&end={DAY}").content)
    report = build_report(Period(scenario.site, DAY, DAY), today=DAY).table(table)
    assert len(rows) == 1 + len(report.rows)
    assert rows[0] == [str(c) for c in report.columns]


def test_the_rating_endpoints_are_in_the_openapi_document(client: Client, db: object) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/tickets/{token}/rating/", "/api/v1/ratings/{handle}/"} <= set(paths)
    assert "/api/v1/sites/{site}/supervision/today/" in paths
