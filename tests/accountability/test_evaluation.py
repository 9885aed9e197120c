"""The monthly evaluation from the hand-computed month of `tests/supervision/conftest.py`, and closing it.

November 2026 at the hall (default weights: satisfaction 60, wait 40, aim 20 min):

desk 1 / officer1: waits 10, 16, 12 → average 12.7, p90 16; served 2; ratings 5 and 2 → 50 %;
  the bad rating's case is still open after its due day (23 Nov) → 1 overdue;
  one complaint, upheld (冷), naming officer1.
  base = (60·50 + 40·100) / 100 = 70; minus 10 (upheld) and 2 (overdue case) → 58.0
desk 2 / officer2: waits 2, 4 → average 3.0, p90 4; served 2; ratings 4 and 5 → 100 %;
  one serious inspection finding → 100 − 5 = 95.0
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from queueing.errors import InvalidTransition
from supervision import accountability, evaluation
from supervision import services as supervision
from supervision.models import AccountabilitySettings, Inspection, MonthlyEvaluation
from tests.supervision.conftest import DAY, Scenario, at

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 10)


@pytest.fixture
def month(scenario: Scenario) -> Scenario:
    complaint = supervision.submit_complaint(
        site=scenario.site, text="态度冷淡", desk=scenario.desk1, visit_date=DAY, now=at(12, 0)
    )
    accountability.record_finding(
        complaint=complaint,
        user=scenario.officer2,
        outcome="upheld",
        reason="录像核实",
        behaviour="cold",
        officer=scenario.officer1,
    )
    accountability.record_inspection(
        site=scenario.site,
        user=scenario.officer2,
        kind=Inspection.Kind.COVERT,
        inspected_at=at(15, 0, dt.date(2026, 11, 5)),
        desk=scenario.desk2,
        officer=scenario.officer2,
        items=[],
        findings="未佩戴警号",
        severity=Inspection.Severity.SERIOUS,
    )
    return scenario


def _rows(s: Scenario) -> dict[str, evaluation.Row]:
    rows = evaluation.compute(s.site, DAY, today=TODAY)
    return {r.key: r for r in rows}


def test_the_months_figures_and_scores_match_the_hand_computed_ones(month: Scenario) -> None:
    rows = _rows(month)
    d1, d2 = rows[f"desk:{month.desk1.pk}"], rows[f"desk:{month.desk2.pk}"]
    o1, o2 = rows[f"officer:{month.officer1.pk}"], rows[f"officer:{month.officer2.pk}"]
    for row in (d1, o1):
        assert (row.served, row.avg_wait, row.p90_wait, row.ratings, row.satisfaction) == (2, 12.7, 16.0, 2, 50.0)
        assert (row.bad, row.cases_overdue, row.upheld) == (1, 1, 1)
        assert row.score == 58.0 and row.rank == 2
    assert d1.complaints == 1 and o1.complaints == 1
    for row in (d2, o2):
        assert (row.served, row.avg_wait, row.p90_wait, row.satisfaction) == (2, 3.0, 4.0, 100.0)
        assert row.findings == {"minor": 0, "serious": 1, "grave": 0}
        assert row.score == 95.0 and row.rank == 1


def test_the_site_sets_the_weights(month: Scenario) -> None:
    AccountabilitySettings.objects.create(site=month.site, target_wait_minutes=10)
    # desk 1's average wait 12.7 is over the 10 min aimed at: wait score 100·(20 − 12.7)/10 = 73
    # base (60·50 + 40·73)/100 = 59.2, minus 12 → 47.2
    assert _rows(month)[f"desk:{month.desk1.pk}"].score == 47.2


def test_closing_a_month_freezes_it_and_corrections_are_recorded_as_such(month: Scenario) -> None:
    with pytest.raises(InvalidTransition):
        accountability.close_month(site=month.site, month=TODAY, user=month.officer2, today=TODAY)
    closed = accountability.close_month(site=month.site, month=DAY, user=month.officer2, today=TODAY)
    key = f"desk:{month.desk2.pk}"
    # A complaint found later about November does not silently change the closed month …
    late = supervision.submit_complaint(site=month.site, text="推诿", desk=month.desk2, now=at(16, 0))
    accountability.record_finding(
        complaint=late, user=month.officer2, outcome="partly", reason="部分属实", behaviour="shirk"
    )
    assert _rows(month)[key].partly == 1  # (the live computation sees it)
    view = evaluation.month_view(month.site, DAY, today=TODAY)
    frozen = {r.key: r for r in view.rows}
    assert frozen[key].partly == 0 and frozen[key].score == 95.0 and view.closed == closed
    # … a correction does, recorded next to the frozen value.
    accountability.correct_month(
        closed=closed, user=month.officer2, row=key, column="score", value=90.0, reason="补录部分属实投诉"
    )
    view = evaluation.month_view(month.site, DAY, today=TODAY)
    assert {r.key: r for r in view.rows}[key].score == 90.0 and (key, "score") in view.corrected
    assert MonthlyEvaluation.objects.get(pk=closed.pk).rows == closed.rows
    with pytest.raises(InvalidTransition):
        accountability.close_month(site=month.site, month=DAY, user=month.officer2, today=TODAY)
    with pytest.raises(ValueError):
        closed.save()


def test_the_public_page_names_officers_only_as_the_site_allows(client: Client, month: Scenario) -> None:
    from queueing.models import StaffProfile

    StaffProfile.objects.filter(user=month.officer1).update(display_name="王芳", police_number="011201")
    accountability.close_month(site=month.site, month=DAY, user=month.officer2, today=TODAY)
    page = client.get("/open/hall/?month=2026-11", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "011201" in page and "王芳" not in page
    assert "officer1" not in page and "officer2" not in page  # officer2 has no public profile: not listed
    assert 'data-table="ranking"' not in page
    AccountabilitySettings.objects.create(site=month.site, rank_publicly=True, complaint_phone="0931-110")
    month.site.officer_names_public = True
    month.site.save()
    page = client.get("/open/hall/?month=2026-11", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "王芳" in page and 'data-table="ranking"' in page and "0931-110" in page
    assert "officer1" not in page


def test_the_evaluation_csv_has_the_frozen_figures_and_marks_corrections(client: Client, month: Scenario) -> None:
    import csv
    import io

    from tests.conftest import make_staff

    closed = accountability.close_month(site=month.site, month=DAY, user=month.officer2, today=TODAY)
    accountability.correct_month(
        closed=closed, user=month.officer2, row=f"desk:{month.desk1.pk}", column="upheld", value=0, reason="复核不属实"
    )
    client.force_login(make_staff("chief", month.site, "supervisor"))
    response = client.get("/supervision/hall/evaluation.csv?month=2026-11")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_label = {row[1]: row for row in rows[1:]}
    desk1, desk2 = by_label["1号窗口"], by_label["2号窗口"]
    assert desk2[2:5] == ["2", "3.0", "4.0"] and desk2[-2:] == ["95.0", "1"]
    assert desk1[-2:] == ["58.0", "2"]
    assert desk1[2 + 9] == "0*"  # upheld, corrected after closing
