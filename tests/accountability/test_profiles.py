"""Officers' public profiles: what the displays, the rating pages and the photo URL show of an officer."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from PIL import Image

from queueing import broadcast, officers, services
from queueing.errors import InvalidRequest
from queueing.models import Desk, OfficerPhoto, Site, StaffProfile
from tests.conftest import make_desk

pytestmark = pytest.mark.django_db


def _profile(user: User, **fields: Any) -> StaffProfile:
    StaffProfile.objects.filter(user=user).update(**fields)
    return StaffProfile.objects.get(user=user)


def _sign_in_at(desk: Desk, user: User) -> Desk:
    services.close_desk(desk=desk, actor=services.Actor.system())
    services.open_desk(desk=desk, actor=services.Actor(kind="officer", user=user))
    return Desk.objects.select_related("site", "officer").get(pk=desk.pk)


def _jpeg_with_exif(size: tuple[int, int] = (1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "Firmware 1.0"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90° on display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_the_public_card_shows_the_name_only_where_the_site_allows_it(site: Site, officer: User) -> None:
    profile = _profile(officer, display_name="王芳", police_number="011201")
    assert profile.public_card(names_public=False) == {"name": None, "police_number": "011201", "photo": None}
    assert profile.public_card(names_public=True) == {"name": "王芳", "police_number": "011201", "photo": None}
    profile.public = False
    assert profile.public_card(names_public=True) is None


def test_an_officer_without_a_public_profile_is_never_shown_by_account_name(site: Site, officer: User) -> None:
    profile = StaffProfile.objects.get(user=officer)
    assert profile.public_card(names_public=True) is None


def test_the_snapshot_and_desk_message_show_the_signed_in_officer(client: Client, desk: Desk, officer: User) -> None:
    _profile(officer, display_name="王芳", police_number="011201")
    desk = _sign_in_at(desk, officer)
    snapshot = client.get("/api/v1/sites/hall/snapshot/").json()
    on_duty = snapshot["desks"][0]["on_duty"]
    assert on_duty == {"name": None, "police_number": "011201", "photo": None}
    assert "officer1" not in client.get("/api/v1/sites/hall/snapshot/").content.decode()
    Site.objects.filter(pk=desk.site_id).update(officer_names_public=True)
    desk = Desk.objects.select_related("site", "officer").get(pk=desk.pk)
    state = broadcast.desk_state_payload(desk)
    assert state["desk"]["on_duty"]["name"] == "王芳"
    # The lobby display's part of the desk: the public card stays, the account name goes.
    part = broadcast.desk_part(state)
    assert part["officer"] is None and part["on_duty"]["police_number"] == "011201"


def test_a_closed_desk_has_nobody_on_duty(client: Client, desk: Desk, officer: User) -> None:
    _profile(officer, police_number="011201")
    desk = _sign_in_at(desk, officer)
    services.close_desk(desk=desk, actor=services.Actor(kind="officer", user=officer))
    assert client.get("/api/v1/sites/hall/snapshot/").json()["desks"][0]["on_duty"] is None


def test_a_photo_is_shrunk_and_served_without_its_metadata(client: Client, site: Site, officer: User) -> None:
    profile = _profile(officer, police_number="011201")
    officers.set_officer_photo(profile=profile, source=io.BytesIO(_jpeg_with_exif()))
    profile.refresh_from_db()
    card = profile.public_card(names_public=False)
    assert card is not None and card["photo"] == f"/officers/{profile.pk}/photo-1.jpg"
    response = client.get(card["photo"])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    body = response.content
    assert b"SecretCam" not in body and b"Exif" not in body
    served = Image.open(io.BytesIO(body))
    assert dict(served.getexif()) == {}
    # Turned upright by its orientation tag before the tag was dropped, and shrunk.
    assert served.size == (officers.PHOTO_SIDE * 3 // 4, officers.PHOTO_SIDE)
    # An old version's URL, or a profile made private, shows nothing.
    officers.set_officer_photo(profile=profile, source=io.BytesIO(_jpeg_with_exif()))
    assert client.get(card["photo"]).status_code == 404
    StaffProfile.objects.filter(pk=profile.pk).update(public=False)
    assert client.get(f"/officers/{profile.pk}/photo-2.jpg").status_code == 404


def test_a_file_that_is_not_a_photo_is_refused(site: Site, officer: User) -> None:
    profile = StaffProfile.objects.get(user=officer)
    with pytest.raises(InvalidRequest):
        officers.set_officer_photo(profile=profile, source=io.BytesIO(b"%PDF-1.4 not an image"))
    assert not OfficerPhoto.objects.exists()


def test_the_admin_uploads_a_photo(client: Client, site: Site, officer: User) -> None:
    root = User.objects.create_superuser("root", password="pw-Counter-123")
    client.force_login(root)
    profile = StaffProfile.objects.get(user=officer)
    upload = io.BytesIO(_jpeg_with_exif())
    upload.name = "me.jpg"
    response = client.post(
        f"/admin/queueing/staffprofile/{profile.pk}/change/",
        {
            "user": officer.pk,
            "site": site.pk,
            "display_name": "王芳",
            "police_number": "011201",
            "public": "on",
            "photo_upload": upload,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile.refresh_from_db()
    assert profile.photo_version == 1 and profile.display_name == "王芳"
    assert b"SecretCam" not in bytes(OfficerPhoto.objects.get(profile=profile).jpeg)


def test_the_rating_form_says_whom_the_citizen_rates(client: Client, site: Site, types: Any, officer: User) -> None:
    _profile(officer, display_name="王芳", police_number="011201")
    Site.objects.filter(pk=site.pk).update(officer_names_public=True)
    desk = make_desk(site, 5, "A")
    by = services.Actor(kind="officer", user=officer)
    ticket = services.issue_ticket(site=site, prefix="A", actor=services.Actor(kind="kiosk")).ticket
    services.call_next(desk=desk, actor=by)
    services.start(desk=desk, actor=by)
    services.complete(desk=desk, actor=by)
    page = client.get(f"/t/{ticket.token}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "王芳" in page and "011201" in page and "officer1" not in page


def test_the_demo_officers_have_public_profiles(db: Any) -> None:
    from django.core.management import call_command

    call_command("seed_demo", "--password", "pw-Counter-123", stdout=io.StringIO())
    profiles = StaffProfile.objects.filter(user__username__startswith="officer").order_by("user__username")
    assert [p.police_number for p in profiles] == ["011201", "011202", "011203", "011204"]
    assert all(p.display_name and p.business_types.exists() for p in profiles)
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing new, nothing changed
    assert StaffProfile.objects.get(user__username="officer1").police_number == "011201"


def test_the_rating_tablet_says_whom_the_citizen_rates(site: Site, types: Any, officer: User) -> None:
    from supervision.broadcast import request_payload

    _profile(officer, police_number="011201")
    desk = make_desk(site, 5, "A")
    by = services.Actor(kind="officer", user=officer)
    ticket = services.issue_ticket(site=site, prefix="A", actor=services.Actor(kind="kiosk")).ticket
    services.call_next(desk=desk, actor=by)
    services.start(desk=desk, actor=by)
    services.complete(desk=desk, actor=by)
    ticket.refresh_from_db()
    payload = request_payload(ticket)
    assert "011201" in payload["served_by"] and "officer1" not in payload["served_by"]
