"""seed_demo gives the demo site a mobile session in the coming week; the deploy check warns on missing keys."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from outreach.apps import data_keys_check
from outreach.models import OutreachOfficer, ServiceSession


def test_seed_demo_adds_one_mobile_session_once(client: Client, db: Any) -> None:
    call_command("seed_demo", "--password", "Demo-pass-42", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert ServiceSession.objects.count() == 1
    assert OutreachOfficer.objects.get().police_number == "031001"
    sessions = client.get("/api/v1/sites/demo/service-days/").json()["sessions"]
    assert len(sessions) == 1 and sessions[0]["business_types"] == ["B", "D", "E"]


@pytest.mark.parametrize(("keys", "warned"), [([], True), (["k" * 43 + "="], False)])
def test_the_deploy_check_warns_without_data_keys(settings: Any, keys: list[str], warned: bool) -> None:
    settings.COUNTER_DATA_KEYS = keys
    assert [m.id for m in data_keys_check()] == (["outreach.W001"] if warned else [])


def test_the_check_is_registered_for_deploy(settings: Any) -> None:
    from django.core import checks

    settings.COUNTER_DATA_KEYS = []
    ids = {m.id for m in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])}
    assert "outreach.W001" in ids
