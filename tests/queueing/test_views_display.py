"""The lobby display and the desk display, rendered by the Django test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from queueing.models import Desk, Site
from queueing.views.display import speech_languages


def _assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\s(on[a-z]+|style)=", html)


def test_the_display_of_a_site_renders_with_its_socket_chime_and_sound_button(client: Client, site: Site) -> None:
    response = client.get("/display/hall/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-socket="/ws/v1/sites/hall/display/"' in html
    assert 'data-speech-languages="zh-CN"' in html
    assert "城关派出所" in html
    assert re.search(r'<audio[^>]+src="/static/queueing/chime\.wav"', html)
    assert 'data-action="enable-sound"' in html
    assert "/static/queueing/speech.js" in html


def test_the_display_speaks_english_too_when_asked(client: Client, site: Site) -> None:
    html = client.get("/display/hall/?lang=both").content.decode()
    assert 'data-speech-languages="zh-CN en-US"' in html


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "zh-CN"), ("zh", "zh-CN"), ("both", "zh-CN en-US"), ("<x>", "zh-CN")]
)
def test_speech_languages_fall_back_to_chinese(value: str | None, expected: str) -> None:
    assert speech_languages(value) == expected


def test_the_display_of_an_unknown_site_is_404(client: Client, site: Site) -> None:
    assert client.get("/display/nowhere/").status_code == 404


def test_the_display_answers_only_get(client: Client, site: Site) -> None:
    assert client.post("/display/hall/").status_code == 405


def test_the_desk_display_renders_for_a_desk_of_the_site(client: Client, desk: Desk) -> None:
    response = client.get("/display/hall/desk/1/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-desk="1"' in html
    assert "1号窗口" in html
    assert 'data-socket="/ws/v1/sites/hall/display/"' in html


def test_the_desk_display_of_an_unknown_desk_or_site_is_404(client: Client, desk: Desk) -> None:
    assert client.get("/display/hall/desk/99/").status_code == 404
    assert client.get("/display/nowhere/desk/1/").status_code == 404


def test_a_desk_of_another_site_is_not_shown(client: Client, desk: Desk) -> None:
    other = Site.objects.create(slug="east", name="东关派出所")
    assert client.get("/display/east/desk/1/").status_code == 404
    Desk.objects.create(site=other, number=7, name="7号窗口")
    assert client.get("/display/hall/desk/7/").status_code == 404


@pytest.mark.parametrize("path", ["/display/hall/", "/display/hall/desk/1/"])
def test_the_display_pages_have_no_inline_script_or_style(client: Client, desk: Desk, path: str) -> None:
    _assert_no_inline_code(client.get(path).content.decode())
