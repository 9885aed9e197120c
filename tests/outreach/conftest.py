"""Outreach fixtures: requests with personal data that is easy to look for in every answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from notices.models import ChecklistVersion
from outreach import services
from outreach.models import OutreachOfficer, VisitRequest
from queueing.models import BusinessType, Site
from tests.conftest import make_staff, publish_checklist

NAME, PHONE, VILLAGE, ADDRESS = "王秀英", "13912345678", "东岭村", "三组17号"
PERSONAL = (NAME, PHONE, VILLAGE, ADDRESS)


@pytest.fixture
def checklist_b(types: dict[str, BusinessType]) -> ChecklistVersion:
    return publish_checklist(types["B"], ["户口簿", "近期照片"])


@pytest.fixture
def police(officer: User, site: Site) -> OutreachOfficer:
    return OutreachOfficer.objects.create(user=officer, site=site, police_number="031245", villages="北坡村、西岭村")


@pytest.fixture
def other_officer(site: Site) -> User:
    return make_staff("officer2", site)


@pytest.fixture
def submit(site: Site, types: dict[str, BusinessType]) -> Callable[..., VisitRequest]:
    def _submit(**kwargs: Any) -> VisitRequest:
        fields: dict[str, Any] = {
            "business_type": "B",
            "reason": "elderly",
            "name": NAME,
            "phone": PHONE,
            "village": VILLAGE,
            "address": ADDRESS,
            "note": "",
        }
        fields.update(kwargs)
        return services.submit_request(site=site, who=services.Who(address="10.0.0.8"), **fields)

    return _submit
