"""The hot writes' plain-SQL reads and once-built states equal what the ORM reads afresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.forms.models import model_to_dict

from notices import services as notice_services
from notices.models import ChecklistVersion
from queueing import broadcast, selectors, services
from queueing.models import BusinessType, Desk, Event, Reason, Site, Ticket
from queueing.schemas import desk_action_out

Issue = Callable[..., Ticket]


def every_field(instance: Any) -> dict[str, Any]:
    """All of a model instance's column values, the non-editable ones too (model_to_dict leaves those out)."""
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def fresh_state(desk: Desk) -> dict[str, Any]:
    again = Desk.objects.select_related("site", "officer").prefetch_related("business_types").get(pk=desk.pk)
    return desk_action_out(again).model_dump()


def test_call_next_answers_the_state_the_desk_has_afterwards(
    site: Site, desk: Desk, issue: Issue, officer: User, by_officer: services.Actor
) -> None:
    officer.staff.police_number = "012345"
    officer.staff.save()
    Desk.objects.filter(pk=desk.pk).update(officer=officer)
    issue("A")
    issue("B", priority=True)
    issue("C")
    first = services.call_next_with_state(desk=desk, actor=by_officer)
    assert first.ticket is not None and first.ticket.number == "B001"
    assert first.state.model_dump() == fresh_state(desk)
    assert first.state.desk.on_duty is not None
    services.start(desk=desk, actor=by_officer)
    second = services.call_next_with_state(desk=desk, actor=by_officer)  # the served ticket is done first
    assert second.state.served_today == 1
    assert second.state.model_dump() == fresh_state(desk)
    services.call_next(desk=desk, actor=by_officer)
    empty = services.call_next_with_state(desk=desk, actor=by_officer)  # the queue ran out
    assert empty.ticket is None and empty.state.ticket is None
    assert empty.state.model_dump() == fresh_state(desk)


def test_a_ticket_transferred_with_a_notice_shows_it_when_called_again(
    site: Site, desk: Desk, issue: Issue, checklist: ChecklistVersion, reason: Reason, by_officer: services.Actor
) -> None:
    issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    item = checklist.items.first()
    assert item is not None
    notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=[item.pk])
    services.transfer(desk=desk, prefix="B", reason_code=reason.code, actor=by_officer)
    again = services.call_next_with_state(desk=desk, actor=by_officer)
    assert again.state.ticket is not None and again.state.ticket.notice is not None
    assert again.state.model_dump() == fresh_state(desk)


def test_a_desk_state_built_by_a_write_is_used_by_the_last_write_of_that_desk_in_its_language(
    site: Site, desk: Desk, desk2: Desk
) -> None:
    language = broadcast.get_language()
    state, other = {"type": "desk", "n": 1}, {"type": "desk", "n": 2}

    def write(version: int, desks: list[Desk], states: dict[int, tuple[str, dict[str, Any]]]) -> broadcast.Write:
        events = tuple(Event(site=site, desk=d, kind=Event.Kind.TICKET_CALLED, version=version) for d in desks)
        return broadcast.Write(site.pk, version, events, states)

    built = broadcast._built_desk_states([write(1, [desk], {desk.pk: (language, state)})])
    assert built == {desk.pk: state}
    # A later write of the desk that built nothing: its state is read, not the older one used.
    assert broadcast._built_desk_states([write(1, [desk], {desk.pk: (language, state)}), write(2, [desk], {})]) == {}
    # Another desk's later write leaves it.
    assert broadcast._built_desk_states(
        [write(1, [desk], {desk.pk: (language, state)}), write(2, [desk2], {desk2.pk: (language, other)})]
    ) == {desk.pk: state, desk2.pk: other}
    # Labels in another language than the broadcast's: built again.
    assert broadcast._built_desk_states([write(1, [desk], {desk.pk: ("xx", state)})]) == {}


def test_the_issue_context_equals_the_orm_reads(
    site: Site, types: dict[str, BusinessType], checklist: ChecklistVersion, issue: Issue
) -> None:
    context = selectors.issue_context(slug=site.slug, prefix="A", key=None, checklist_number=None)
    assert context is not None
    assert model_to_dict(context.site) == model_to_dict(Site.objects.get(pk=site.pk))
    assert vars(context.site).keys() >= {"version", "current_day", "time_zone"}
    assert context.business_type is not None
    assert model_to_dict(context.business_type) == model_to_dict(types["A"])
    assert context.checklist is not None
    assert (context.checklist.pk, context.checklist.number) == (checklist.pk, checklist.number)
    assert context.key_ticket is None

    ticket = issue("A", idempotency_key="kiosk-7")
    by_number = selectors.issue_context(slug=site.slug, prefix="A", key="kiosk-7", checklist_number=checklist.number)
    assert by_number is not None and by_number.checklist is not None and by_number.key_ticket == ticket.pk
    unknown = selectors.issue_context(slug=site.slug, prefix="A", key=None, checklist_number=99)
    assert unknown is not None and unknown.checklist is None
    no_type = selectors.issue_context(slug=site.slug, prefix="Z", key=None, checklist_number=None)
    assert no_type is not None and no_type.business_type is None and no_type.checklist is None
    assert selectors.issue_context(slug="nowhere", prefix="A", key=None, checklist_number=None) is None


def test_the_desks_business_types_are_in_the_sites_order_with_the_desks_position(desk2: Desk) -> None:
    types = selectors.desk_business_types(desk2)
    assert [bt.prefix for bt in types] == [bt.prefix for bt in desk2.business_types.all()]
    assert {bt.prefix: vars(bt)["desk_position"] for bt in types} == {"B": 0, "A": 1}


def test_a_device_token_is_read_with_its_desk_and_site_as_the_orm_reads_them(site: Site, desk: Desk) -> None:
    from queueing.models import DeskToken, hash_token

    token = services.create_desk_token(desk=desk)
    found = selectors.device_token(hash_token(token))
    orm = DeskToken.objects.select_related("desk__site").get(token_hash=hash_token(token))
    assert found is not None
    assert every_field(found) == every_field(orm)
    assert every_field(found.desk) == every_field(orm.desk) and found.desk.pk == desk.pk
    assert every_field(found.desk.site) == every_field(orm.desk.site) and found.desk.site.pk == site.pk
    assert selectors.device_token(hash_token(token + "x")) is None
    services.revoke_desk_tokens(tokens=[orm])
    assert selectors.device_token(hash_token(token)) is None  # revoked: refused at once
