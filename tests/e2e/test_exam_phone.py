"""The exam page on a 360 × 740 phone: one question per screen, the answer sheet, no site
navigation, submitting through the confirmation page; and the wide page as it was.

Screenshots go to /tmp/exam-phone-*.png (outside the repository) for a person to look at.
"""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from exams.models import Attempt, AttemptStatus
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = "/tmp/exam-phone-"


@pytest.fixture
def learner(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0])


@pytest.fixture
def sign_in(live_server):
    def _sign_in(context, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])

    return _sign_in


@pytest.fixture
def phone(browser_context, sign_in, learner):
    """A page at 360 × 740, signed in as the learner."""
    page = browser_context.new_page()
    page.set_viewport_size(PHONE)
    sign_in(browser_context, learner)
    return page


def _start(page, live_server, session) -> Attempt:
    page.goto(f"{live_server.url}/exams/session/{session.pk}/")
    page.get_by_role("button", name="开始答题").click()
    expect(page).to_have_url(re.compile(r"/exams/attempt/\d+/"))
    page.wait_for_selector("#exam.is-paged", state="attached")
    return Attempt.objects.get(session=session, status=AttemptStatus.IN_PROGRESS)


def _visible_questions(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.exam-q')]
            .filter(q => q.getClientRects().length > 0).map(q => q.dataset.position)"""
    )


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_phone_one_question_per_screen_sheet_and_submit(live_server, phone, open_session):
    page = phone
    attempt = _start(page, live_server, open_session)
    page.screenshot(path=f"{SHOTS}first.png")
    assert page.evaluate("document.activeElement === document.body")  # nothing grabbed focus

    # No site navigation, no 退出, no footer: only the exam's own bar.
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)
    expect(page.get_by_role("button", name="退出")).to_have_count(0)
    expect(page.locator(".site-header, .site-footer")).to_have_count(0)
    expect(page.get_by_role("heading", name=open_session.title)).to_be_visible()
    expect(page.locator("[data-timer]")).to_be_visible()
    expect(page.locator("[data-save-status]")).to_be_visible()

    # One question, the first, whole above the fold: its heading and options, no scrolling.
    assert _visible_questions(page) == ["1"]
    assert page.evaluate("window.scrollY") == 0
    last_option = page.locator("#q-1 .exam-q__option").last
    box = last_option.bounding_box()
    pager_top = page.locator("[data-pager]").bounding_box()["y"]
    assert box["y"] + box["height"] <= pager_top <= PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Answer the first, then 下一题: the second question replaces it, focus on its heading.
    page.locator("#q-1 .exam-q__option").first.click()
    expect(page.locator("[data-save-status]")).to_have_text("已保存")
    expect(page.locator("[data-pager-prev]")).to_be_disabled()
    page.get_by_role("button", name="下一题").click()
    assert _visible_questions(page) == ["2"]
    assert _focused_id(page) == "q-2-title"
    expect(page.locator("[data-pager-where]")).to_have_text("2 / 20")
    assert page.url.endswith("#q-2")

    # Flag question 2; 上一题 goes back to 1.
    page.locator("#q-2").get_by_role("button", name="标记").click()
    expect(page.locator("#q-2").get_by_role("button", name="标记")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="上一题").click()
    assert _visible_questions(page) == ["1"]
    assert _focused_id(page) == "q-1-title"

    # The answer sheet: a modal dialog with each question's state in words, not colour alone.
    page.get_by_role("button", name=re.compile("答题卡")).click()
    sheet = page.get_by_role("dialog", name="答题卡")
    expect(sheet).to_be_visible()
    expect(page.locator("[data-sheet-open]")).to_have_attribute("aria-expanded", "true")
    item = sheet.locator("[data-sheet-item]")
    expect(item.nth(0)).to_have_class(re.compile("is-answered"))
    expect(item.nth(0)).to_contain_text("已答")
    expect(item.nth(0)).to_have_attribute("aria-current", "true")
    expect(item.nth(1)).to_contain_text("未答")
    expect(item.nth(1)).to_contain_text("⚑")
    expect(item.nth(1)).to_have_class(re.compile("is-flagged"))
    expect(item.nth(2)).to_contain_text("未答")
    # What a screen reader hears: the number and the state in words, the symbols left out.
    expect(
        sheet.get_by_role("button", name=re.compile(r"^第 2 题\s*未答\s*，已标记$"))
    ).to_have_count(1)
    expect(sheet.get_by_role("button", name=re.compile(r"^第 1 题\s*已答$"))).to_have_count(1)
    expect(sheet.locator("[data-sheet-counts]")).to_have_text("已答 1 · 未答 19 · 已标记 1")
    assert (
        _focused_id(page) == "" and page.evaluate("document.activeElement.dataset.sheetItem") == "1"
    )  # focus starts on the question shown
    page.screenshot(path=f"{SHOTS}sheet.png")

    # Escape closes it and gives focus back to the button that opened it.
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    assert page.evaluate("document.activeElement.hasAttribute('data-sheet-open')")
    expect(page.locator("[data-sheet-open]")).to_have_attribute("aria-expanded", "false")

    # A tap on question 15 in the sheet jumps there.
    page.get_by_role("button", name=re.compile("答题卡")).click()
    sheet.locator('[data-sheet-item="15"]').click()
    expect(sheet).to_be_hidden()
    assert _visible_questions(page) == ["15"]
    assert _focused_id(page) == "q-15-title"
    page.locator("#q-15 .exam-q__option").nth(1).click()
    expect(page.locator("[data-save-status]")).to_have_text("已保存")
    page.screenshot(path=f"{SHOTS}q15.png")

    # A reload stays on the question shown.
    page.reload()
    page.wait_for_selector("#exam.is-paged", state="attached")
    assert _visible_questions(page) == ["15"]

    # Submit: the confirmation page lists the unanswered and the flagged question, with links.
    page.get_by_role("link", name="交卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/submit/$"))
    expect(page.locator(".site-header")).to_have_count(0)
    expect(page.get_by_text("还有 18 道题未作答")).to_be_visible()
    flagged = page.get_by_role("list", name=re.compile("你标记了 1 道题"))
    expect(flagged.get_by_role("link")).to_have_count(1)
    expect(flagged.get_by_role("link")).to_have_attribute(
        "href", f"/exams/attempt/{attempt.pk}/#q-2"
    )
    page.screenshot(path=f"{SHOTS}confirm.png", full_page=True)

    # Its link goes back to the flagged question itself.
    flagged.get_by_role("link").click()
    page.wait_for_selector("#exam.is-paged", state="attached")
    assert _visible_questions(page) == ["2"]
    page.get_by_role("link", name="交卷", exact=True).click()
    page.get_by_role("button", name="确认交卷").click()
    expect(page).to_have_url(re.compile(r"/result/$"))
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.slots.get(position=2).flagged

    # After the attempt the site navigation is back; the result's tables are cards that name
    # each value's column, and nothing sticks out sideways.
    expect(page.get_by_role("navigation", name="主导航")).to_be_attached()
    _assert_cards(page)
    page.screenshot(path=f"{SHOTS}result.png", full_page=True)
    page.goto(f"{live_server.url}/exams/")
    _assert_cards(page)
    page.screenshot(path=f"{SHOTS}my-exams.png", full_page=True)


def _assert_cards(page):
    """Every card table on the page shows each cell's column name beside it, as a card."""
    tables = page.locator("table.table-cards")
    assert tables.count() > 0
    cells = page.evaluate(
        """() => [...document.querySelectorAll('table.table-cards td[data-label]')].map(td => ({
            label: td.dataset.label,
            shown: getComputedStyle(td, '::before').content,
            display: getComputedStyle(td).display,
        }))"""
    )
    assert cells
    for cell in cells:
        assert cell["display"] == "block"
        assert cell["shown"] == f'"{cell["label"]}"'
    # The column headings are hidden from the eye (each cell names its column), not removed.
    widths = page.evaluate(
        "[...document.querySelectorAll('table.table-cards thead')]"
        ".map(h => h.getBoundingClientRect().width)"
    )
    assert widths and all(width <= 1 for width in widths)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_keyboard_pager_and_sheet(live_server, phone, open_session):
    page = phone
    _start(page, live_server, open_session)

    # Tab from the first question's last control reaches 下一题 (上一题 is disabled at 1).
    page.locator("#q-1").get_by_role("button", name="标记").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-sheet-open')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.hasAttribute('data-pager-next')")
    page.keyboard.press("Enter")
    assert _visible_questions(page) == ["2"]
    assert _focused_id(page) == "q-2-title"

    # Space on 下一题 and on 上一题 work as well.
    page.locator("[data-pager-next]").focus()
    page.keyboard.press("Space")
    assert _visible_questions(page) == ["3"]
    page.locator("[data-pager-prev]").focus()
    page.keyboard.press(" ")
    assert _visible_questions(page) == ["2"]

    # The sheet by keyboard: open with Enter, Tab to a question, Space jumps there.
    page.locator("[data-sheet-open]").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="答题卡")).to_be_visible()
    assert page.evaluate("document.activeElement.dataset.sheetItem") == "2"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.sheetItem") == "3"
    page.keyboard.press("Space")
    expect(page.get_by_role("dialog", name="答题卡")).to_be_hidden()
    assert _visible_questions(page) == ["3"]
    assert _focused_id(page) == "q-3-title"

    # Answer by keyboard: Tab into the options, arrow keys choose; it is saved.
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#q-3 input").first).to_be_checked()
    expect(page.locator("[data-save-status]")).to_have_text("已保存")
    expect(page.locator('[data-sheet-item="3"]')).to_have_class(re.compile("is-answered"))


def test_wide_screen_shows_the_whole_paper_as_before(
    live_server, browser_context, sign_in, learner, open_session
):
    page = browser_context.new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(browser_context, learner)
    _start(page, live_server, open_session)
    page.screenshot(path=f"{SHOTS}desktop.png")

    # Every question on the page, the palette beside them, no pager and no sheet button.
    assert len(_visible_questions(page)) == 20
    expect(page.locator(".exam__palette")).to_be_visible()
    expect(page.locator("[data-pager]")).to_be_hidden()
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)

    # The palette scrolls to a question and focuses it, as before.
    page.locator('[data-palette="12"]').click()
    assert _focused_id(page) == "q-12"
    page.locator("#q-12 .exam-q__option").first.click()
    expect(page.locator("[data-save-status]")).to_have_text("已保存")
    expect(page.locator('[data-palette="12"]')).to_have_class(re.compile("is-answered"))

    # Narrowing the window to a phone's width turns it into one question per screen.
    page.set_viewport_size(PHONE)
    assert _visible_questions(page) == ["12"]
    expect(page.locator("[data-pager]")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    assert len(_visible_questions(page)) == 20


def test_other_pages_keep_the_site_navigation(live_server, phone, open_session):
    phone.goto(f"{live_server.url}/exams/session/{open_session.pk}/")
    expect(phone.get_by_role("navigation", name="主导航")).to_be_attached()
    assert CHROMIUM_ARGS  # the same Chromium as the other browser tests
