"""长辈模式, read-aloud, the idle prompt and help at the kiosk, in Chromium.

Sizes are measured from computed styles; "nothing cut off or overlapping" is
checked by a script over every visible element, at the kiosk's and a phone's
viewports, in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from notices import services as notice_services
from queueing import services
from queueing.models import BusinessType, Desk, Event, HelpRequest, StaffProfile, Ticket
from tests.conftest import publish_checklist
from tests.e2e.clock import let_time_pass, open_with_time_stopped
from tests.servers import Daphne

Issue = Callable[..., Ticket]
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1366, "height": 768}

# Headless Chromium has no voices: record what would be said (and the cancels), ending each utterance at once.
RECORD_SPEECH = """
window.__spoken = [];
window.__cancels = 0;
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("unhandledrejection", function (e) { window.__errors.push(String(e.reason)); });
// For a failure's report: the last clicks the page received, and how many times it has loaded.
window.__clicks = [];
document.addEventListener("click", function (e) {
  const el = e.target;
  const classes = el.className ? "." + String(el.className).split(" ").join(".") : "";
  window.__clicks.push(el.tagName.toLowerCase() + classes);
}, true);
// The kiosk's print frame counts its window.print() calls on the top page (a test lets a ticket print
// before it taps on: see COUNT_PRINTS in test_appointments.py).
(function () {
  const print = window.print.bind(window);
  window.print = function () { print(); window.top.__prints = (window.top.__prints || 0) + 1; };
})();
try {
  sessionStorage.setItem("test.loads", String(Number(sessionStorage.getItem("test.loads") || 0) + 1));
} catch (e) {}
(function () {
  // While window.__hold is set, utterances stay "being said" until window.__release() ends them.
  window.__held = [];
  window.__release = function () {
    window.__hold = false;
    window.__held.splice(0).forEach(function (u) { u.dispatchEvent(new Event("end")); });
  };
  function speak(utterance) {
    window.__spoken.push({ text: utterance.text, lang: utterance.lang });
    if (window.__hold) window.__held.push(utterance);
    else setTimeout(function () { utterance.dispatchEvent(new Event("end")); }, 30);
  }
  function cancel() { window.__cancels += 1; }
  if (window.speechSynthesis) {
    window.speechSynthesis.speak = speak;
    window.speechSynthesis.cancel = cancel;
  } else {
    window.speechSynthesis = { speak: speak, cancel: cancel, getVoices: function () { return []; } };
  }
})();
"""

# Every visible element inside the viewport's width, no text spilling out of its box, no two controls on top
# of each other. Returns what is wrong, in words.
LAYOUT_PROBLEMS = """
(() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.classList.length ? "." + Array.from(el.classList).join(".") : "");
  if (document.documentElement.scrollWidth > width + 1) problems.push("the page scrolls sideways");
  const controls = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1) problems.push(name(el) + " leaves the screen");
    const style = getComputedStyle(el);
    const scrolls = ["auto", "scroll"].includes(style.overflowX);
    if (!scrolls && el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0 && style.display !== "inline") {
      problems.push(name(el) + " is cut off (" + el.scrollWidth + " > " + el.clientWidth + ")");
    }
    // A bar that sticks to the bottom of a scrolling page is on top by design.
    const stuck = Boolean(el.closest(".kiosk-assist"));
    if (!stuck && el.matches("button, a, input, select, textarea, [role=button]")) controls.push([el, box]);
  }
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const [a, p] = controls[i];
      const [b, q] = controls[j];
      if (a.contains(b) || b.contains(a)) continue;
      const overlap = Math.min(p.right, q.right) - Math.max(p.left, q.left) > 1 &&
        Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 1;
      if (overlap) problems.push(name(a) + " overlaps " + name(b));
    }
  }
  return problems;
})()
"""


def font_px(page: Page, selector: str) -> float:
    return float(page.locator(selector).first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))


def line_height_ratio(page: Page, selector: str) -> float:
    return float(
        page.locator(selector).first.evaluate(
            "el => { const s = getComputedStyle(el); return parseFloat(s.lineHeight) / parseFloat(s.fontSize); }"
        )
    )


def assert_fits(page: Page, where: str) -> None:
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert problems == [], f"{where}: {problems[:8]}"


def assert_in_view(page: Page, selector: str) -> None:
    """Fully on the screen and not under the kiosk's bottom bar, without scrolling."""
    box = page.locator(selector).bounding_box()
    bar = page.locator(".kiosk-assist").bounding_box()
    viewport = page.viewport_size
    assert box is not None and bar is not None and viewport is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= min(bar["y"], viewport["height"]) + 1, (selector, box, bar)


def wait_until(page: Page, condition: str, timeout: float = 10_000) -> None:
    """Poll a condition in the page (not wait_for_function: the CSP refuses the string it compiles)."""
    for _ in range(int(timeout / 50)):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(50)
    state = page.evaluate(
        """() => ({
          spoken: window.__spoken, cancels: window.__cancels,
          speaking: Boolean(window.CounterSpeech && window.CounterSpeech.isSpeaking()),
          pressed: Array.from(document.querySelectorAll("[data-read-aloud]"))
            .map((b) => b.getAttribute("aria-pressed")),
          screens: Array.from(document.querySelectorAll("[data-screen]"))
            .filter((s) => !s.hidden).map((s) => s.dataset.screen),
          overlays: Array.from(document.querySelectorAll(".kiosk-overlay")).filter((o) => !o.hidden).map((o) => o.id),
          errors: window.__errors || [],
          clicks: (window.__clicks || []).slice(-5),
          loads: sessionStorage.getItem("test.loads"),
        })"""
    )
    raise AssertionError(f"never true: {condition}; the page: {state}")


def spoken(page: Page) -> list[dict[str, str]]:
    result: list[dict[str, str]] = page.evaluate("window.__spoken")
    return result


def open_page(
    browser: Browser, url: str, *, viewport: dict[str, int], locale: str = "zh-CN", time_stopped: bool = False
) -> Page:
    page = browser.new_page(locale=locale, viewport=viewport)  # type: ignore[arg-type]
    page.add_init_script(RECORD_SPEECH)
    if time_stopped:
        return open_with_time_stopped(page, url)
    page.goto(url)
    return page


def switch_elder(page: Page, on: bool) -> None:
    toggle = page.locator("[data-elder-toggle]").first
    expect(toggle).to_be_visible()
    if (toggle.get_attribute("aria-pressed") == "true") != on:
        toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true" if on else "false")
    assert ("elder" in (page.locator("html").get_attribute("class") or "").split()) == on


@pytest.fixture
def checklist_a(types: dict[str, BusinessType]) -> Any:
    return publish_checklist(types["A"], ["居民身份证", "户口簿"])


# --- 长辈模式 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_elder_mode_makes_the_kiosk_larger_and_nothing_is_cut_off(
    server: Daphne, types: dict[str, BusinessType], checklist_a: Any, browser: Browser, viewport: dict[str, int]
) -> None:
    # English names as long as the demo's, under the Chinese ones.
    BusinessType.objects.filter(prefix="A").update(name_en="Household registration transfer")
    BusinessType.objects.filter(prefix="B").update(name_en="Resident identity card")
    page = open_page(browser, f"{server.url}/kiosk/hall/", viewport=viewport)
    expect(page.locator("button.type")).to_have_count(3)
    parts = [".kiosk", ".type-name", ".type-stat", "#start-title", ".kiosk-hint", ".kiosk-help"]
    before = {p: font_px(page, p) for p in parts}
    switch_elder(page, True)
    after = {p: font_px(page, p) for p in parts}
    for part in parts:
        assert 1.15 <= after[part] / before[part] <= 1.5, (part, before[part], after[part])
    assert line_height_ratio(page, ".kiosk") >= 1.3
    assert line_height_ratio(page, ".kiosk-hint") >= 1.3
    # One column: the businesses are one under another.
    lefts = {round(b.bounding_box()["x"]) for b in page.locator("button.type").all()}  # type: ignore[index]
    assert len(lefts) == 1
    # Bigger targets: every business at least 15 mm (≈ 64 px at 96 dpi, here far more).
    for box in [b.bounding_box() for b in page.locator("button.type").all()]:
        assert box is not None and box["height"] >= 200
    for box in [b.bounding_box() for b in page.locator(".kiosk-assist > *, .lang button").all()]:
        assert box is not None and box["height"] >= 80
    assert_fits(page, "start, zh")
    page.locator('button.type[data-prefix="A"]').click()
    expect(page.locator('[data-screen="confirm"] .doc-name').first).to_have_text("居民身份证")
    assert_fits(page, "confirm, zh")
    # Taking the number needs no scrolling, even with the larger text.
    assert_in_view(page, '[data-screen="confirm"] [data-action="confirm"]')
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The kiosk keeps the mode through the language switch (one visit)...
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    assert_fits(page, "start, en")
    page.locator('button.type[data-prefix="A"]').click()
    expect(page.locator('[data-screen="confirm"] .doc-name').first).to_be_visible()
    assert_fits(page, "confirm, en")
    assert_in_view(page, '[data-screen="confirm"] [data-action="confirm"]')
    page.close()


def test_the_kiosk_forgets_elder_mode_for_the_next_citizen(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_page(browser, f"{server.url}/kiosk/hall/?idle=2", viewport=PORTRAIT, time_stopped=True)
    switch_elder(page, True)
    page.locator('button.type[data-prefix="B"]').click()
    # Asked first (elder mode waits twice as long: not after 2 s, after 4), then back to the start
    # in the default mode once the question's countdown (at least 3 s) runs out.
    prompt = page.locator("#kiosk-idle")
    let_time_pass(page, 2100)
    expect(prompt).to_be_hidden()
    let_time_pass(page, 2000)
    expect(prompt).to_be_visible()
    let_time_pass(page, 4000)
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    expect(page.locator("[data-elder-toggle]")).to_have_attribute("aria-pressed", "false")
    assert "elder" not in (page.locator("html").get_attribute("class") or "")
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, PORTRAIT, LANDSCAPE], ids=["phone", "portrait", "landscape"])
def test_elder_mode_on_the_phone_ticket_page_is_larger_remembered_and_fits(
    server: Daphne, issue: Issue, browser: Browser, viewport: dict[str, int]
) -> None:
    ticket = issue("A")
    page = open_page(browser, f"{server.url}/t/{ticket.token}/", viewport=viewport)
    parts = [".phone-eyebrow", ".phone-type", ".phone-facts dt", ".phone-facts dd", ".phone-note", ".phone-btn"]
    before = {p: font_px(page, p) for p in parts}
    switch_elder(page, True)
    after = {p: font_px(page, p) for p in parts}
    for part in parts:
        assert 1.15 <= after[part] / before[part] <= 1.5, (part, before[part], after[part])
    assert line_height_ratio(page, ".phone-note") >= 1.3
    assert_fits(page, "ticket page, zh")
    # Remembered on the phone: a reload (or the next visit) comes back in elder mode, also in English.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    expect(page.locator("[data-elder-toggle]")).to_have_attribute("aria-pressed", "true")
    assert_fits(page, "ticket page, en")
    switch_elder(page, False)
    page.reload()
    expect(page.locator("[data-elder-toggle]")).to_have_attribute("aria-pressed", "false")
    page.close()


# --- Read aloud -------------------------------------------------------------------------------


def test_the_kiosk_reads_each_screen_aloud_in_order_and_a_second_tap_stops(
    server: Daphne, types: dict[str, BusinessType], checklist_a: Any, browser: Browser
) -> None:
    page = open_page(browser, f"{server.url}/kiosk/hall/", viewport=PORTRAIT)
    expect(page.locator("button.type")).to_have_count(3)
    read = page.locator("[data-read-aloud]")
    # The first phrase is held "being said": unheld, the recorded voice reads the whole screen in a
    # few hundred milliseconds, and a loaded machine looked for the pressed state after it was over.
    page.evaluate("window.__hold = true")
    read.click()
    expect(read).to_have_attribute("aria-pressed", "true")
    page.evaluate("window.__release()")
    wait_until(page, "window.__spoken.length >= 5")
    expect(read).to_have_attribute("aria-pressed", "false")
    texts = [s["text"] for s in spoken(page)]
    assert texts[0] == "请选择您要办理的业务"
    names = [t for t in texts if t.startswith(("户口迁移", "居民身份证", "出生登记"))]
    assert [n.split("，")[0] for n in names] == ["户口迁移", "居民身份证", "出生登记"]
    assert "等候人数 0" in names[0] and "Household" not in " ".join(texts)
    assert {s["lang"] for s in spoken(page)} == {"zh-CN"}

    # The checklist of the chosen business.
    page.locator('button.type[data-prefix="A"]').click()
    expect(page.locator('[data-screen="confirm"] .doc-name').first).to_be_visible()
    page.evaluate("window.__spoken = []")
    read.click()
    wait_until(page, "window.__spoken.some(s => s.text.includes('户口簿'))")
    expect(read).to_have_attribute("aria-pressed", "false")  # read to its end
    texts = [s["text"] for s in spoken(page)]
    assert texts.index(next(t for t in texts if "户口迁移" in t)) < texts.index(
        next(t for t in texts if "居民身份证" in t)
    )
    # A second tap while it reads stops it at once: the first phrase is held "being said" meanwhile, so
    # the second tap always comes while it reads.
    page.evaluate("window.__spoken = []; window.__cancels = 0; window.__hold = true")
    read.click()
    expect(read).to_have_attribute("aria-pressed", "true")
    read.click()
    expect(read).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.__cancels") >= 1
    page.evaluate("window.__release()")
    assert len(spoken(page)) == 1  # nothing after the stop, even once the held phrase ends

    # The ticket: its number and what to do next.
    page.locator('[data-action="confirm"]').click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("A001")
    page.wait_for_function("() => window.__prints >= 1")
    page.evaluate("window.__spoken = []")
    read.click()
    wait_until(page, "window.__spoken.some(s => s.text.includes('请取走'))")
    texts = [s["text"] for s in spoken(page)]
    assert texts[:2] == ["您的号码", "A001"]
    page.close()


def test_the_phone_reads_the_tickets_state_in_english_too(server: Daphne, issue: Issue, browser: Browser) -> None:
    issue("A")
    ticket = issue("A")
    page = open_page(browser, f"{server.url}/t/{ticket.token}/", viewport=PHONE, locale="en-US")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("[data-read-aloud]").click()
    wait_until(page, "window.__spoken.length >= 1")
    said = spoken(page)
    assert {s["lang"] for s in said} == {"en-US"}
    text = " ".join(s["text"] for s in said)
    assert "A002" in text and "People ahead of you" in text and "1" in text
    page.close()


# --- No time pressure ---------------------------------------------------------------------------


def test_the_kiosk_asks_before_it_resets_and_more_time_keeps_the_screen(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_page(browser, f"{server.url}/kiosk/hall/?idle=2", viewport=PORTRAIT, time_stopped=True)
    page.locator('button.type[data-prefix="B"]').click()
    page.locator('[data-priority-kind="elderly"]').click()
    prompt = page.locator("#kiosk-idle")
    let_time_pass(page, 2100)
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("您还需要时间吗")
    wait_until(page, "window.__spoken.some(s => s.text.includes('还需要时间'))")
    page.get_by_role("button", name="还需要时间").click()
    expect(prompt).to_be_hidden()
    # The citizen's screen and choice are kept.
    expect(page.locator('[data-screen="confirm"]')).to_be_visible()
    expect(page.locator('[data-priority-kind="elderly"]')).to_have_attribute("aria-pressed", "true")
    # Asked again later; left alone, the kiosk returns to its start.
    let_time_pass(page, 2100)
    expect(prompt).to_be_visible()
    let_time_pass(page, 4000)
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    expect(prompt).to_be_hidden()
    page.close()


def test_a_printed_ticket_stays_until_done(server: Daphne, types: dict[str, BusinessType], browser: Browser) -> None:
    page = open_page(browser, f"{server.url}/kiosk/hall/?idle=1", viewport=PORTRAIT, time_stopped=True)
    page.locator('button.type[data-prefix="B"]').click()
    page.locator('[data-action="confirm"]').click()
    ticket = page.locator('[data-screen="ticket"]')
    expect(ticket).to_be_visible()
    prompt = page.locator("#kiosk-idle")
    # Three times the idle time: the ticket is still there, with no question over it.
    let_time_pass(page, 3000)
    expect(ticket).to_be_visible()
    expect(prompt).to_be_hidden()
    page.locator('[data-action="done"]').click()
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    # Past the ticket's own timeout with no "Done": back to the start, still without a question.
    ticket_ms = int(page.locator("[data-ticket-seconds]").get_attribute("data-ticket-seconds") or "0") * 1000
    assert ticket_ms > 3000
    page.locator('button.type[data-prefix="B"]').click()
    page.locator('[data-action="confirm"]').click()
    expect(ticket).to_be_visible()
    let_time_pass(page, ticket_ms - 1000)
    expect(ticket).to_be_visible()
    let_time_pass(page, 2000)
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    expect(prompt).to_be_hidden()
    page.close()


# --- Help within reach -------------------------------------------------------------------------


def test_help_from_the_kiosk_reaches_the_desk_and_the_officer_clears_it(
    server: Daphne,
    types: dict[str, BusinessType],
    desk: Desk,
    officer: User,
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    desk_page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    desk_page.goto(server.url + "/accounts/login/?next=/desk/")
    desk_page.fill("input[name=username]", "officer1")
    desk_page.fill("input[name=password]", "pw-Counter-123")
    desk_page.locator("button[type=submit]").click()
    desk_page.wait_for_url("**/desk/1/")
    expect(desk_page.locator("#desk-help")).to_be_hidden()

    kiosk = open_page(browser, f"{server.url}/kiosk/hall/?screen=2号取号机", viewport=PORTRAIT)
    kiosk.locator('button.type[data-prefix="A"]').click()
    kiosk.get_by_role("button", name="请工作人员协助").click()
    notice = kiosk.locator("#kiosk-help")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已通知工作人员")
    wait_until(kiosk, "window.__spoken.some(s => s.text.includes('已通知工作人员'))")

    alert = desk_page.locator("#desk-help")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("2号取号机需要协助")
    expect(alert).to_contain_text("已等")
    desk_page.screenshot(path=screenshot_dir / "desk-help-zh.png")
    desk_page.get_by_role("button", name="我去处理").click()
    expect(alert).to_be_hidden()

    request = HelpRequest.objects.get()
    assert (request.status, request.desk, request.officer, request.kiosk) == ("taken", desk, officer, "2号取号机")
    assert Event.objects.filter(kind=Event.Kind.HELP_TAKEN, user=officer).exists()
    # The kiosk hears who is coming, and says it.
    expect(notice).to_contain_text("1号窗口的工作人员正在赶来协助您")
    wait_until(kiosk, "window.__spoken.some(s => s.text.includes('1号窗口'))")
    kiosk.close()
    desk_page.close()


# --- The other phone pages ----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, PORTRAIT, LANDSCAPE], ids=["phone", "portrait", "landscape"])
def test_the_checklist_and_the_notice_in_elder_mode_are_larger_fit_and_read_aloud(
    server: Daphne, desk: Desk, issue: Issue, checklist_a: Any, browser: Browser, viewport: dict[str, int]
) -> None:
    issue("A")
    actor = services.Actor.system()
    services.call_next(desk=desk, actor=actor)
    services.start(desk=desk, actor=actor)
    notice = notice_services.issue_notice(
        desk=desk, actor=actor, item_ids=[checklist_a.items.first().pk], note="户主同意书"
    )
    pages = [
        (f"{server.url}/notices/hall/A/", [".doc-title", ".doc-item-name", ".doc-kind"], "居民身份证"),
        (f"{server.url}/n/{notice.code}/", [".notice-title", ".notice-item-name", ".notice-note-text"], "居民身份证"),
    ]
    for url, parts, item in pages:
        page = open_page(browser, url, viewport=viewport)
        before = {p: font_px(page, p) for p in parts}
        switch_elder(page, True)
        after = {p: font_px(page, p) for p in parts}
        for part in parts:
            assert 1.15 <= after[part] / before[part] <= 1.5, (url, part, before[part], after[part])
        assert_fits(page, url + " zh")
        page.locator("[data-read-aloud]").click()
        wait_until(page, f"window.__spoken.some(s => s.text.includes('{item}'))")
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_fits(page, url + " en")
        page.close()


# --- The rating pages --------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, PORTRAIT], ids=["phone", "portrait"])
def test_the_phones_rating_in_elder_mode_is_larger_fits_and_marks_the_choice(
    server: Daphne, desk: Desk, issue: Issue, browser: Browser, viewport: dict[str, int]
) -> None:
    ticket = issue("A")
    system = services.Actor.system()
    services.call_next(desk=desk, actor=system)
    services.start(desk=desk, actor=system)
    services.complete(desk=desk, actor=system)
    page = open_page(browser, f"{server.url}/t/{ticket.token}/", viewport=viewport)
    form = page.locator("[data-rating-form]")
    expect(form).to_be_visible()
    parts = [".rating-title", ".rating-level", ".rating-criterion legend"]
    before = {p: font_px(page, p) for p in parts}
    switch_elder(page, True)
    after = {p: font_px(page, p) for p in parts}
    for part in parts:
        assert 1.15 <= after[part] / before[part] <= 1.5, (part, before[part], after[part])
    assert_fits(page, "rating, zh")
    # The chosen level is marked, not only coloured.
    level = page.locator('[data-criterion="overall"] .rating-level-2')
    level.locator("input").check(force=True)
    assert level.evaluate("el => getComputedStyle(el, '::before').content") == '"✓"'
    page.close()


def test_the_rating_tablet_has_elder_mode_for_one_citizen(server: Daphne, desk: Desk, browser: Browser) -> None:
    page = open_page(browser, f"{server.url}/rate/hall/1/", viewport=PORTRAIT)
    before = font_px(page, ".tablet-welcome")
    switch_elder(page, True)
    assert 1.15 <= font_px(page, ".tablet-welcome") / before <= 1.5
    assert_fits(page, "tablet, zh")
    page.locator("[data-read-aloud]").click()
    wait_until(page, "window.__spoken.some(s => s.text.includes('欢迎光临'))")
    page.close()


def test_a_called_number_on_the_lobby_display_has_a_mark_as_well_as_a_colour(
    server: Daphne, desk: Desk, issue: Issue, browser: Browser
) -> None:
    issue("A")
    services.call_next(desk=desk, actor=services.Actor.system())
    page = browser.new_page(locale="zh-CN", viewport=LANDSCAPE)
    page.goto(f"{server.url}/display/hall/")
    called = page.locator(".lobby-desk.is-called .lobby-desk-ticket").first
    expect(called).to_have_text("A001")
    assert "▶" in called.evaluate("el => getComputedStyle(el, '::before').content")
    page.close()


def test_supervision_shows_the_kiosks_waiting_for_staff(
    server: Daphne, desk: Desk, supervisor: User, browser: Browser
) -> None:
    services.raise_help(site=desk.site, kiosk="2号取号机", actor=services.Actor(kind="kiosk"))
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(server.url + "/accounts/login/?next=/supervision/hall/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/supervision/hall/")
    alert = page.locator("#today-help")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("2号取号机需要协助")
    expect(alert).to_contain_text("已等 0 分")
    page.close()


def test_the_booking_and_outreach_pages_have_elder_mode_and_pass_wcag_in_both_modes(
    server: Daphne, site: Any, types: dict[str, BusinessType], desk: Desk, issue: Issue, browser: Browser
) -> None:
    from appointments.models import BookingSettings
    from tests.e2e.accessibility import assert_accessible

    BookingSettings.objects.create(site=site, lead_minutes=0, min_places=2)
    publish_checklist(types["A"], ["居民身份证", "居民户口簿"])
    ticket = issue("A")
    pages = {
        "/book/hall/": ".bk-title",
        "/book/hall/?type=A": ".bk-title",
        "/outreach/hall/": "h1",
        f"/t/{ticket.token}/": "main",
        "/kiosk/hall/": ".type-name",
        "/notices/hall/A/": "main",
    }
    for path, text in pages.items():
        page = open_page(browser, server.url + path, viewport=PHONE if "kiosk" not in path else PORTRAIT)
        expect(page.locator(text).first).to_be_visible()
        before = font_px(page, text)
        assert_accessible(page)
        switch_elder(page, True)
        assert font_px(page, text) >= before * 1.15, path  # really larger, measured
        assert line_height_ratio(page, "body") >= 1.3, path
        assert_accessible(page)  # the larger mode keeps contrast, names and targets
        if "kiosk" not in path:
            assert_fits(page, path)
        page.close()
