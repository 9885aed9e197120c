"""The officers' desk pages, in process: who gets which desk, and what the page shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from queueing import services
from queueing.models import BusinessType, Desk, Site, StaffProfile, Ticket
from queueing.roles import SUPERVISOR
from tests.conftest import make_desk, make_staff

Issue = Callable[..., Ticket]
PASSWORD = "pw-Counter-123"


@pytest.fixture
def signed_in(client: Client, officer: User) -> Client:
    client.force_login(officer)
    return client


@pytest.fixture
def other_site(types: Any) -> Site:
    other = Site.objects.create(slug="east", name="东城派出所", always_open=True)
    BusinessType.objects.create(site=other, prefix="A", name="户口迁移")
    return other


def test_it_redirects_a_signed_out_visitor_to_the_sign_in_page(client: Client, site: Site) -> None:
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/desk/"
    response = client.get("/desk/1/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_sends_an_officer_bound_to_a_desk_to_that_desk(signed_in: Client, officer: User, desk: Desk) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    response = signed_in.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/1/"


def test_it_lists_the_sites_desks_for_an_officer_without_a_desk(
    signed_in: Client, desk: Desk, desk2: Desk, other_site: Site
) -> None:
    make_desk(other_site, 7, "A")
    response = signed_in.get("/desk/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/desk/1/"' in body and 'href="/desk/2/"' in body
    assert 'href="/desk/7/"' not in body  # another site's desk is not offered
    assert "户口迁移" in body and "居民身份证" in body


def test_a_supervisor_may_open_the_desks_too(client: Client, site: Site, desk: Desk) -> None:
    client.force_login(make_staff("boss", site, SUPERVISOR))
    assert client.get("/desk/").status_code == 200
    assert client.get("/desk/1/").status_code == 200


def test_an_officer_never_reaches_another_sites_desk(
    client: Client, officer: User, desk: Desk, other_site: Site
) -> None:
    make_desk(other_site, 7, "A")  # exists only at the other site
    client.force_login(officer)
    assert client.get("/desk/7/").status_code == 404
    # And the other site's officer, whose own desk 7 opens, never sees this site's desk 1.
    client.force_login(make_staff("east1", other_site))
    assert client.get("/desk/7/").status_code == 200
    response = client.get("/desk/1/")
    assert response.status_code == 404
    assert "户口迁移" not in response.content.decode()


def test_a_desk_of_another_site_on_the_profile_is_not_followed(
    signed_in: Client, officer: User, desk: Desk, other_site: Site
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=make_desk(other_site, 7, "A"))
    response = signed_in.get("/desk/")
    assert response.status_code == 200  # the list of the officer's own site, not a redirect to desk 7


def test_it_refuses_a_user_without_a_role_or_a_site(client: Client, site: Site, desk: Desk) -> None:
    nobody = User.objects.create_user("citizen", password=PASSWORD)
    client.force_login(nobody)
    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "cannot work at a desk" in response.content.decode()
    assert client.get("/desk/1/").status_code == 403

    no_role = User.objects.create_user("clerk", password=PASSWORD)
    StaffProfile.objects.create(user=no_role, site=site)
    client.force_login(no_role)
    assert client.get("/desk/").status_code == 403
    assert client.get("/desk/1/").status_code == 403


def test_a_superuser_without_a_site_is_told_so(client: Client, site: Site) -> None:
    client.force_login(User.objects.create_superuser("root", password=PASSWORD))
    response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Your account has no site" in response.content.decode()


def test_the_desk_page_shows_the_ticket_in_hand(signed_in: Client, officer: User, desk: Desk, issue: Issue) -> None:
    issue("A")
    issue("B")
    services.call_next(desk=desk, actor=services.Actor(kind="officer", user=officer))
    response = signed_in.get("/desk/1/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="ticket-number" class="ticket-number">A001<' in body
    assert "户口迁移" in body
    assert "csrftoken" in response.cookies  # the page's script posts with the CSRF header
    state = response.context["state"]
    assert state["ticket"]["number"] == "A001"
    assert state["desk"]["state"] == "open"
    # The same state is handed to the script as a JSON data block.
    data = body.split('id="desk-state-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["ticket"]["number"] == "A001"
    # The waiting count of each business type the desk handles, B still waiting.
    assert [(row.business_type.prefix, row.waiting) for row in response.context["waiting"]] == [
        ("A", 0),
        ("B", 1),
        ("C", 0),
    ]


def test_the_desk_page_has_no_inline_script_or_style(signed_in: Client, desk: Desk) -> None:
    body = signed_in.get("/desk/1/").content.decode()
    assert "style=" not in body
    assert " onclick=" not in body and " onkeydown=" not in body
    # Only JSON data blocks and script files.
    for tag in body.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert 'type="application/json"' in head or "src=" in head


def test_an_unknown_desk_number_is_a_404(signed_in: Client, desk: Desk) -> None:
    assert signed_in.get("/desk/99/").status_code == 404


def test_the_desk_page_has_the_checklist_and_notice_panel_of_its_own_desk(
    signed_in: Client, officer: User, desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    issue("A")
    services.call_next(desk=desk, actor=by_officer)
    body = signed_in.get("/desk/1/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="desk-notice"' in body
    assert 'data-notice-url="/api/v1/sites/hall/desks/1/notice/"' in body
    assert 'data-checklist-url="/api/v1/sites/hall/business-types/PREFIX/checklist/"' in body
    assert "Issue missing-documents notice" in body
    assert 'id="checklist-type" class="checklist-type">A · 户口迁移<' in body  # desk.js keeps filling it
    assert body.index("queueing/desk.js") < body.index("queueing/desk_notice.js")
