"""The clerk's admin: drafts are edited, previewed and published; published versions stay as they were."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from notices import services as notice_services
from notices.models import ChecklistVersion
from queueing.models import BusinessType, Event, Site
from queueing.roles import ADMINISTRATOR
from tests.conftest import make_staff

CHANGELIST = "/admin/notices/checklistversion/"


@pytest.fixture
def clerk(site: Site) -> Client:
    user: User = make_staff("clerk", site, ADMINISTRATOR)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def test_the_clerk_publishes_a_draft_from_the_list(clerk: Client, checklist: ChecklistVersion) -> None:
    draft = notice_services.start_draft(business_type=checklist.business_type)
    response = clerk.post(CHANGELIST, {"action": "publish_drafts", "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("published", 2)
    event = Event.objects.filter(kind=Event.Kind.CHECKLIST_PUBLISHED).latest("pk")
    assert event.user is not None and event.user.username == "clerk" and event.data["version"] == 2


def test_a_new_draft_copies_the_selected_version(clerk: Client, checklist: ChecklistVersion) -> None:
    response = clerk.post(CHANGELIST, {"action": "new_draft", "_selected_action": [checklist.pk]})
    draft = ChecklistVersion.objects.get(status="draft")
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/change/")
    assert list(draft.items.values_list("name", flat=True)) == list(checklist.items.values_list("name", flat=True))
    page = clerk.get(response["Location"])
    assert page.status_code == 200 and f"/notices/preview/{draft.pk}/" in page.content.decode()


def test_a_published_version_cannot_be_edited_or_deleted(clerk: Client, checklist: ChecklistVersion) -> None:
    url = f"{CHANGELIST}{checklist.pk}/change/"
    page = clerk.get(url).content.decode()
    assert 'name="conditions"' not in page and 'name="items-0-name"' not in page
    clerk.post(url, {"conditions": "改过了", "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"})
    checklist.refresh_from_db()
    assert checklist.conditions == "年满十六周岁\n本人到场"
    assert clerk.post(f"{CHANGELIST}{checklist.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ChecklistVersion.objects.filter(pk=checklist.pk).exists()


def test_a_second_draft_of_one_business_is_refused(clerk: Client, types: dict[str, BusinessType]) -> None:
    notice_services.start_draft(business_type=types["B"])
    response = clerk.post(
        f"{CHANGELIST}add/",
        {"business_type": types["B"].pk, "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "already has a draft" in response.content.decode()
    assert ChecklistVersion.objects.filter(business_type=types["B"]).count() == 1


def test_notices_are_read_only_in_the_admin(clerk: Client, site: Site) -> None:
    assert clerk.get("/admin/notices/notice/").status_code == 200
    assert clerk.get("/admin/notices/notice/add/").status_code == 403
