"""Checklist versions, missing-documents notices and their redeeming, through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from notices import selectors
from notices import services as notice_services
from notices.models import CODE_ALPHABET, ChecklistItem, ChecklistVersion, Notice, format_code
from queueing import services
from queueing.errors import (
    DailyCapReached,
    Forbidden,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    NoticeExists,
    NoticeExpired,
    NoticeUsed,
)
from queueing.models import BusinessType, Desk, Event, Site, Ticket
from tests.conftest import publish_checklist

Issue = Callable[..., Ticket]


def serve(desk: Desk, actor: services.Actor) -> Ticket:
    ticket = services.call_next(desk=desk, actor=actor)
    assert ticket is not None
    services.start(desk=desk, actor=actor)
    ticket.refresh_from_db()
    return ticket


def give_notice(desk: Desk, actor: services.Actor, version: ChecklistVersion, note: str = "") -> Notice:
    first = version.items.order_by("position").first()
    assert first is not None
    return notice_services.issue_notice(desk=desk, actor=actor, item_ids=[first.pk], note=note)


# --- Checklist versions -------------------------------------------------------------


def test_publishing_numbers_versions_and_leaves_old_ones_intact(types: dict[str, BusinessType]) -> None:
    first = publish_checklist(types["A"], ["居民身份证", "居民户口簿"])
    draft = notice_services.start_draft(business_type=types["A"])
    assert draft.status == ChecklistVersion.Status.DRAFT and draft.number is None
    assert list(draft.items.values_list("name", flat=True)) == ["居民身份证", "居民户口簿"]  # copied to edit
    assert draft.conditions == first.conditions
    draft.items.filter(name="居民户口簿").update(name="居民户口簿（原件）")
    ChecklistItem.objects.create(version=draft, position=5, name="结婚证")
    second = notice_services.publish(version=draft, user=None)

    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert first.status == ChecklistVersion.Status.PUBLISHED
    assert list(first.items.values_list("name", flat=True)) == ["居民身份证", "居民户口簿"]
    assert selectors.published(types["A"]) == second
    assert selectors.published(types["A"], 1) == first
    events = Event.objects.filter(kind=Event.Kind.CHECKLIST_PUBLISHED).order_by("pk")
    assert [e.data["version"] for e in events] == [1, 2]


def test_a_published_version_is_not_published_again(checklist: ChecklistVersion) -> None:
    with pytest.raises(InvalidTransition):
        notice_services.publish(version=checklist, user=None)
    assert ChecklistVersion.objects.filter(business_type=checklist.business_type).count() == 1


def test_an_empty_draft_is_refused(types: dict[str, BusinessType]) -> None:
    draft = notice_services.start_draft(business_type=types["B"])
    with pytest.raises(InvalidRequest):
        notice_services.publish(version=draft, user=None)
    draft.refresh_from_db()
    assert draft.status == ChecklistVersion.Status.DRAFT and draft.number is None
    assert not Event.objects.filter(kind=Event.Kind.CHECKLIST_PUBLISHED).exists()


def test_a_type_has_one_draft_at_a_time(checklist: ChecklistVersion) -> None:
    bt = checklist.business_type
    assert notice_services.start_draft(business_type=bt) == notice_services.start_draft(business_type=bt)


def test_a_ticket_records_the_version_the_kiosk_showed(
    checklist: ChecklistVersion, issue: Issue, types: dict[str, BusinessType]
) -> None:
    assert issue("A").checklist_version == checklist
    second = publish_checklist(types["A"], ["居民身份证"])
    assert issue("A").checklist_version == second
    # A kiosk that still showed version 1 when the citizen tapped records version 1.
    assert issue("A", checklist_version=1).checklist_version == checklist
    assert issue("B").checklist_version is None  # no checklist published for B


def test_an_unknown_version_is_refused_and_nothing_is_issued(checklist: ChecklistVersion, issue: Issue) -> None:
    with pytest.raises(NotFound):
        issue("A", checklist_version=7)
    assert not Ticket.objects.exists()


# --- Issuing a notice ------------------------------------------------------------


def test_a_notice_records_ticket_desk_officer_items_and_version(
    checklist: ChecklistVersion, desk: Desk, issue: Issue, by_officer: services.Actor, officer: User, site: Site
) -> None:
    issue("A")
    ticket = serve(desk, by_officer)
    ids = list(checklist.items.order_by("position").values_list("pk", flat=True))
    now = timezone.now()
    notice = notice_services.issue_notice(
        desk=desk, actor=by_officer, item_ids=[ids[0], ids[2]], note="  户主同意书  ", now=now
    )

    assert (notice.ticket, notice.desk, notice.officer, notice.checklist_version) == (ticket, desk, officer, checklist)
    assert sorted(notice.items.values_list("pk", flat=True)) == [ids[0], ids[2]]
    assert notice.note == "户主同意书"
    assert len(notice.code) == 8 and set(notice.code) <= set(CODE_ALPHABET)
    assert notice.expires_at == now + dt.timedelta(days=site.notice_validity_days) == now + dt.timedelta(days=90)
    assert notice.state(now) == "valid"
    event = Event.objects.get(kind=Event.Kind.NOTICE_ISSUED)
    assert (event.ticket, event.desk, event.user, event.data["items"]) == (ticket, desk, officer, [ids[0], ids[2]])


def test_codes_are_typed_forgivingly() -> None:
    from notices.models import normalize_code

    assert normalize_code(" 7kqm-4xwd ") == "7KQM4XWD"
    assert normalize_code("https://hall.example/n/7KQM4XWD/") == "7KQM4XWD"
    assert format_code("7KQM4XWD") == "7KQM-4XWD"


def test_the_site_sets_how_long_a_notice_is_valid(
    checklist: ChecklistVersion, desk: Desk, issue: Issue, by_officer: services.Actor, site: Site
) -> None:
    Site.objects.filter(pk=site.pk).update(notice_validity_days=30)
    issue("A")
    serve(desk, by_officer)
    notice = give_notice(desk, by_officer, checklist)
    assert notice.expires_at - notice.issued_at == dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("items", "note", "error"),
    [([], "", InvalidRequest), ([999_999], "", InvalidRequest), ([], "   ", InvalidRequest)],
)
def test_a_notice_needs_real_items_or_a_note(
    checklist: ChecklistVersion,
    desk: Desk,
    issue: Issue,
    by_officer: services.Actor,
    items: list[int],
    note: str,
    error: type[Exception],
) -> None:
    issue("A")
    serve(desk, by_officer)
    with pytest.raises(error):
        notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=items, note=note)
    assert not Notice.objects.exists()
    assert not Event.objects.filter(kind=Event.Kind.NOTICE_ISSUED).exists()


def test_items_of_another_checklist_are_refused(
    checklist: ChecklistVersion, types: dict[str, BusinessType], desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    other = publish_checklist(types["B"], ["照片回执"])
    issue("A")
    serve(desk, by_officer)
    with pytest.raises(InvalidRequest):
        notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=[other.items.get().pk])
    assert not Notice.objects.exists()


def test_no_notice_without_a_ticket_in_hand(
    checklist: ChecklistVersion, desk: Desk, by_officer: services.Actor
) -> None:
    with pytest.raises(InvalidTransition):
        notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=[], note="户主同意书")
    assert not Notice.objects.exists()


def test_one_notice_per_ticket(
    checklist: ChecklistVersion, desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    issue("A")
    serve(desk, by_officer)
    first = give_notice(desk, by_officer, checklist)
    with pytest.raises(NoticeExists) as refused:
        give_notice(desk, by_officer, checklist, note="again")
    assert first.display_code in str(refused.value.message)
    assert Notice.objects.count() == 1


def test_after_a_transfer_the_notice_uses_the_new_business_checklist(
    checklist: ChecklistVersion,
    types: dict[str, BusinessType],
    desk: Desk,
    issue: Issue,
    by_officer: services.Actor,
    reason: object,
) -> None:
    b_list = publish_checklist(types["B"], ["照片回执"])
    issue("A")
    serve(desk, by_officer)
    services.transfer(desk=desk, prefix="B", reason_code="returned", actor=by_officer)
    ticket = serve(desk, by_officer)
    assert ticket.business_type == types["B"] and ticket.checklist_version == checklist
    notice = give_notice(desk, by_officer, b_list)
    assert notice.checklist_version == b_list and notice.business_type == types["B"]


# --- Redeeming ---------------------------------------------------------------------


@pytest.fixture
def notice(checklist: ChecklistVersion, desk: Desk, issue: Issue, by_officer: services.Actor) -> Notice:
    issue("A")
    serve(desk, by_officer)
    given = give_notice(desk, by_officer, checklist)
    services.complete(desk=desk, actor=by_officer)
    return given


def test_the_code_gives_a_priority_ticket_once(notice: Notice, issue: Issue, site: Site) -> None:
    issue("A")  # someone already waiting
    returning = issue("A", notice_code=notice.display_code.lower())
    assert returning.priority and returning.priority_source == Ticket.PrioritySource.NOTICE
    assert services.issue_ticket(site=site, prefix="A", actor=services.Actor.system()).ahead == 2
    notice.refresh_from_db()
    assert notice.redeemed_ticket == returning and notice.state() == "used"
    redeemed = Event.objects.get(kind=Event.Kind.NOTICE_REDEEMED)
    assert redeemed.ticket == notice.ticket and redeemed.data["new_ticket"] == returning.number

    before = Ticket.objects.count()
    with pytest.raises(NoticeUsed):
        issue("A", notice_code=notice.code)
    assert Ticket.objects.count() == before


def test_a_retry_with_the_same_key_returns_the_redeemed_ticket(notice: Notice, issue: Issue) -> None:
    first = issue("A", notice_code=notice.code, idempotency_key="kiosk-1:42")
    assert issue("A", notice_code=notice.code, idempotency_key="kiosk-1:42") == first


def test_an_expired_code_is_refused(notice: Notice, issue: Issue) -> None:
    with pytest.raises(NoticeExpired):
        issue("A", notice_code=notice.code, now=notice.expires_at + dt.timedelta(seconds=1))
    notice.refresh_from_db()
    assert notice.redeemed_at is None
    assert Ticket.objects.count() == 1


def test_an_unknown_code_is_refused(notice: Notice, issue: Issue) -> None:
    with pytest.raises(NotFound):
        issue("A", notice_code="ZZZZ-ZZZZ")
    assert Ticket.objects.count() == 1


def test_a_code_works_only_at_its_own_site(notice: Notice, types: dict[str, BusinessType]) -> None:
    other = Site.objects.create(slug="east", name="东关派出所", always_open=True)
    BusinessType.objects.create(site=other, prefix="A", name="户口迁移")
    with pytest.raises(Forbidden) as refused:
        services.issue_ticket(site=other, prefix="A", actor=services.Actor.system(), notice_code=notice.code)
    assert notice.site.name in str(refused.value.message)
    assert not Ticket.objects.filter(site=other).exists()


def test_a_code_is_for_its_own_business(notice: Notice, issue: Issue) -> None:
    with pytest.raises(InvalidRequest):
        issue("B", notice_code=notice.code)
    notice.refresh_from_db()
    assert notice.redeemed_at is None


def test_a_returning_citizen_is_not_turned_away_by_the_daily_cap(
    notice: Notice, issue: Issue, types: dict[str, BusinessType]
) -> None:
    BusinessType.objects.filter(pk=types["A"].pk).update(daily_cap=1)
    with pytest.raises(DailyCapReached):
        issue("A")
    assert issue("A", notice_code=notice.code).priority


# --- Figures for supervision ---------------------------------------------------------


def test_notice_counts_and_most_missing_documents(
    checklist: ChecklistVersion,
    types: dict[str, BusinessType],
    site: Site,
    desk: Desk,
    issue: Issue,
    by_officer: services.Actor,
) -> None:
    ids = list(checklist.items.order_by("position").values_list("pk", flat=True))
    for chosen in ([ids[0], ids[1]], [ids[1]], [ids[1], ids[2]]):
        issue("A")
        serve(desk, by_officer)
        notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=chosen)
    start, end = timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(hours=1)

    counts = selectors.notice_counts(site, start, end)
    assert [(c.prefix, c.issued, c.redeemed) for c in counts] == [("A", 3, 0)]
    missing = selectors.most_missing(site, start, end)
    assert (missing[0].name, missing[0].count) == ("居民户口簿", 3)
    assert {(m.name, m.count) for m in missing[1:]} == {("居民身份证", 1), ("准予迁入证明", 1)}
    assert selectors.notice_counts(site, end, end + dt.timedelta(days=1)) == []
