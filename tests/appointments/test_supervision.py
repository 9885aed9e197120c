"""Supervision's appointments figures and their CSV: counts per day and type, waits, hours, numbers barred."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client

from appointments import services
from appointments.models import Booking
from counter.crypto import keyed_hash
from queueing import services as queue
from queueing.models import BusinessType, Desk, Site
from tests.appointments.conftest import NOW, local

KIOSK = queue.Actor(kind="kiosk")


def test_the_figures_and_their_csv(
    client: Client,
    hall: Site,
    types: dict[str, BusinessType],
    book: Callable[..., Booking],
    desk: Desk,
    supervisor: User,
) -> None:
    served = book(phone="13800131234")
    book(start=local(hall, 11), phone="13800135678")
    cancelled = book(start=local(hall, 12))
    services.cancel(booking=cancelled, actor=KIOSK, now=NOW)
    ticket = services.check_in(site=hall, code=served.code, actor=KIOSK, now=local(hall, 9, 50)).ticket
    queue.issue_ticket(site=hall, prefix="A", actor=KIOSK, now=local(hall, 9, 55))
    queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 10, 6))  # the appointment, 6 min after its start
    services.mark_missed(site=hall, now=local(hall, 11, 20))
    digest = keyed_hash("13900000000", purpose=services.PHONE_HASH_PURPOSE)
    for days in (3, 2, 1):
        at = NOW - dt.timedelta(days=days)
        Booking.objects.create(
            site=hall,
            business_type=types["B"],
            start=at,
            end=at,
            day=at.date(),
            status="missed",
            missed_at=at,
            phone_hash=digest,
        )

    client.force_login(supervisor)
    query = f"start={local(hall, 0).date()}&end={local(hall, 0).date()}"
    page = client.get(f"/supervision/hall/appointments/?{query}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page.status_code == 200
    html = page.content.decode()
    assert "13800131234" not in html and "5678" not in html

    def rows(table: str) -> list[list[str]]:
        response = client.get(f"/supervision/hall/appointments/{table}.csv?{query}")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        text = response.content.decode("utf-8-sig")
        assert "13800131234" not in text
        return list(csv.reader(io.StringIO(text)))

    by_day = rows("appointments_by_day")
    assert by_day[1][1:] == ["A 户口迁移", "3", "1", "1", "1", "0"]
    waits = rows("appointment_waits")
    assert waits[1][:3] == ["A 户口迁移", "1", "6.0"] and waits[1][3] == "0"
    assert rows("appointment_barred")[1] == ["1"]
    assert ticket.appointment_start == served.start


def test_only_supervisors_see_it(client: Client, hall: Site, officer: User) -> None:
    assert client.get("/supervision/hall/appointments/").status_code == 302
    client.force_login(officer)
    assert client.get("/supervision/hall/appointments/").status_code == 403
    assert client.get("/supervision/hall/appointments/appointments_by_day.csv").status_code == 403
