"""The Chinese admin speaks Chinese: the Wagtail strings its own zh_Hans catalogue lacks
(the page editor's autosave indicator, the StreamField's block menu) come from ours."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cms.courses.models import CoursePage, LessonPage, Track
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db


# English that Wagtail 8 shows untranslated in zh-hans without our catalogue.
def _editor():
    user = UserFactory(is_staff=True, is_superuser=True)
    give_totp(user)
    return user


ENGLISH = ["Autosave is paused", "Autosave is <span>paused</span>", "Schedule to publish"]


@pytest.fixture
def lesson(course_index) -> LessonPage:
    course = CoursePage(
        title="行政复议实务",
        slug="reconsideration",
        track=Track.ADMINISTRATIVE_LAW,
        audience=["all_civil_servants"],
        study_hours=Decimal("2"),
        intro="<p>课程</p>",
    )
    course_index.add_child(instance=course)
    lesson = LessonPage(title="第一课", slug="lesson-1", summary="要点")
    course.add_child(instance=lesson)
    return lesson


def test_the_page_editor_with_a_streamfield_shows_no_wagtail_english(client, lesson):
    client.force_login(_editor())
    page = client.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'lang="zh-hans"' in html or 'lang="zh-Hans"' in html
    assert "data-streamfield" in html or "w-block-" in html or "stream" in html.lower()
    left = [text for text in ENGLISH if text in html]
    assert left == []
    with translation.override("zh-hans"):
        assert translation.gettext("Autosave is paused") == "自动保存已暂停"
        assert translation.gettext("Schedule to publish") == "定时发布"


def test_the_admin_javascript_catalogue_translates_the_block_menu(client):
    client.force_login(_editor())
    script = client.get(reverse("wagtailadmin_javascript_catalog")).content.decode()
    start = script.index("const newcatalog = ") + len("const newcatalog = ")
    catalogue = json.loads(script[start : script.index(";\n", start)])
    assert catalogue["Insert a block"] == "插入内容块"
    assert catalogue["Write something or type ‘/’ to insert a block"].startswith("输入内容")
    assert catalogue["Changes have been autosaved."] == "更改已自动保存。"
