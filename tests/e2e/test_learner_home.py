"""The learner's home (我的) on a 360 × 740 phone in Chromium: nothing wider than the screen,
tables shown as labelled cards, and the 我的 menu opened and walked with the keyboard."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from certification.models import Certificate, CertificateKind
from exams.models import Blueprint, ExamKind, ExamSession
from learning.models import StudyHourEntry, StudyKind
from tests.factories import UserFactory, build_org_tree

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SMALL_PHONE = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/e2e-screenshots"))


def _learner():
    tree = build_org_tree()
    person = UserFactory(org_unit=tree.departments_of(tree.districts[0])[0], name="张晓明")
    year = timezone.localdate().year
    for kind, hours in ((StudyKind.ONLINE, "14"), (StudyKind.OFFLINE, "12")):
        StudyHourEntry.objects.create(
            user=person,
            year=year,
            hours=Decimal(hours),
            kind=kind,
            title="依法行政专题培训班",
            source=f"e2e:{kind}",
            date=timezone.localdate(),
        )
    now = timezone.now()
    ExamSession.objects.create(
        title=f"{year}年度全市公务员学法考试（网上考试，请在截止前完成）",
        kind=ExamKind.ANNUAL_LAW,
        blueprint=Blueprint.objects.create(name="年度卷"),
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=2),
        duration_minutes=60,
        eligible_unit=tree.city,
    )
    Certificate.objects.create(
        holder=person,
        kind=CertificateKind.ANNUAL_LEARNING,
        number="XF-2026-000123456",
        title=f"{year}年度学法合格",
        year=year,
        issued_on=timezone.localdate(),
    )
    return person


def test_home_on_a_small_phone(live_server, page):
    person = _learner()
    client = Client()
    client.force_login(person)
    cookie = client.cookies["sessionid"].value
    page.set_viewport_size(SMALL_PHONE)
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page.goto(f"{live_server.url}/my/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("我的")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"the page is {width} px wide"
    # The exam table is a stack of cards whose cells carry their column's name.
    cell = page.locator('section[data-section="exams"] td[data-label="截止时间"]')
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "截止时间" in label
    assert page.locator('section[data-section="exams"] thead').bounding_box()["height"] <= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "home-360.png"), full_page=True)

    # The menu: a disclosure reached and opened with the keyboard, its links then tabbable.
    summary = page.locator("summary.site-menu__summary")
    assert not page.get_by_role("link", name="我的证书", exact=True).is_visible()
    summary.focus()
    page.keyboard.press("Enter")
    certificates = page.get_by_role("link", name="我的证书", exact=True)
    assert certificates.is_visible()
    box = page.locator(".site-menu__list").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"]
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "我的首页"
    page.screenshot(path=str(SHOTS / "home-360-menu.png"))
    certificates.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/certificates/")
    summary = page.locator("summary.site-menu__summary")
    summary.focus()
    page.keyboard.press("Space")
    page.get_by_role("link", name="我的学法考核", exact=True).click()
    page.wait_for_url(f"{live_server.url}/certificates/appraisal/")
    assert page.locator("[data-live]").first.is_visible()
