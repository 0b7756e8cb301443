"""Question images end to end (stored, shown to whom they may be, exported back byte for byte),
the bank's editor and listing under the soundness rule, and the bulk 补充法条 tool."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import ModelLogEntry

from cms.laws.models import Article
from cms.laws.services import law_library_import
from exams.formats.base import ParsedImage, ParsedOption, ParsedQuestion, ParseResult
from exams.models import (
    Attempt,
    AttemptSlot,
    Blueprint,
    ExamKind,
    ExamSession,
    Question,
    QuestionStatus,
    Topic,
)
from exams.selectors import questions_as_export
from exams.services import question_create, questions_import
from tests.exams.conftest import laws_subset
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(tmp_path):
    law_library_import(directory=laws_subset(tmp_path / "laws", ["administrative-penalty-law"]))
    return Topic.objects.filter(name="行政处罚").first() or Topic.add_root(name="行政处罚")


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    give_totp(user)
    client.force_login(user)
    client.user = user
    return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (3, 2), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def penalty(number: int) -> Article:
    return Article.objects.select_related("version__law").get(
        version__law__short_title="行政处罚法", number=number
    )


def import_with_image(monkeypatch, topic, *, dry_run=False):
    question = ParsedQuestion(
        position="第 1 题",
        kind="true_false",
        stem='<p>图中的标志是警告标志。<img src="@@PLUGINFILE@@/sign%20map.png" alt="标志"></p>',
        answer_true=True,
        citations="行政处罚法第九条第（一）项",
        images=[ParsedImage(name="sign map.png", data=png_bytes(), alt="标志")],
    )
    monkeypatch.setattr(
        "exams.services.questions.parse_questions_file",
        lambda data, filename, mapping=None: ("moodle_xml", ParseResult(questions=[question])),
    )
    return questions_import(data=b"", filename="bank.xml", topic=topic, dry_run=dry_run)


def test_images_are_stored_shown_only_to_whom_may_see_them_and_exported_back(
    topic, monkeypatch, admin_client, client
):
    assert import_with_image(monkeypatch, topic, dry_run=True).imported == 1
    assert not get_image_model().objects.exists()  # nothing stored before the confirmation

    report = import_with_image(monkeypatch, topic)
    assert report.errors == [] and report.imported == 1
    image = get_image_model().objects.get()
    assert image.collection.name == "题库图片" and image.title == "sign map.png"
    assert "sign" not in image.file.name  # stored under a random name
    version = Question.objects.get().current_version
    url = reverse("exams:question_image", args=[image.pk])
    assert f'<img src="{url}" alt="标志">' in version.stem

    # The bank's staff see it (admin preview) ...
    response = admin_client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    preview = reverse("wagtailsnippets_exams_question:preview_on_edit", args=[version.question_id])
    # ... anonymous people are sent to log in, and a learner without that paper gets nothing.
    client.logout()
    assert client.get(url).status_code == 302
    learner = UserFactory()
    client.force_login(learner)
    assert client.get(url).status_code == 404
    assert preview  # the admin preview renders the stored stem as is (same <img src>)

    # A candidate whose paper shows the question sees it.
    session = ExamSession.objects.create(
        title="考试",
        kind=ExamKind.MOCK,
        blueprint=Blueprint.objects.create(name="卷"),
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(hours=1),
        duration_minutes=30,
    )
    attempt = Attempt.objects.create(
        session=session,
        user=learner,
        number=1,
        seed=1,
        started_at=timezone.now(),
        deadline=timezone.now() + timedelta(minutes=30),
    )
    AttemptSlot.objects.create(
        attempt=attempt,
        position=1,
        question_version=version,
        option_order=[1, 2],
        option_count=2,
        points=2,
    )
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == png_bytes()

    [exported] = questions_as_export(Question.objects.select_related("current_version", "topic"))
    assert '<img src="@@PLUGINFILE@@/sign%20map.png" alt="标志">' in exported.stem
    assert [(i.name, i.data) for i in exported.images] == [("sign map.png", png_bytes())]


def test_an_outside_image_is_not_kept_in_a_stem(topic, monkeypatch):
    question = ParsedQuestion(
        position="第 1 题",
        kind="true_false",
        stem='<p>图<img src="https://tracker.example/pixel.gif"></p>',
        answer_true=True,
        citations="行政处罚法第九条",
    )
    monkeypatch.setattr(
        "exams.services.questions.parse_questions_file",
        lambda data, filename, mapping=None: ("moodle_xml", ParseResult(questions=[question])),
    )
    questions_import(data=b"", filename="bank.xml", topic=topic)
    assert "tracker" not in Question.objects.get().current_version.stem


# --- The editor and the listing ----------------------------------------------------------------


def form_data(topic, **overrides) -> dict:
    data = {
        "topic": str(topic.pk),
        "status": "active",
        "name": "",
        "kind": "single",
        "difficulty": "2",
        "stem": "违法行为在几年内未被发现的，不再给予行政处罚？",
        "option_a": "一年",
        "option_b": "二年",
        "option_c": "三年",
        "answer": "B",
        "explanation": "",
        "citations": "",
    }
    data.update(overrides)
    return data


def test_the_editor_refuses_an_active_question_without_citation_and_keeps_a_draft(
    topic, admin_client
):
    add_url = reverse(Question.snippet_viewset.get_url_name("add"))
    response = admin_client.post(add_url, form_data(topic))
    assert response.status_code == 200
    assert "没有可解析的法条引用" in response.content.decode()
    assert not Question.objects.exists()

    response = admin_client.post(add_url, form_data(topic, status="draft", name="时效-01"))
    assert response.status_code == 302
    draft = Question.objects.get()
    assert draft.status == QuestionStatus.DRAFT and draft.name == "时效-01"

    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[draft.pk])
    response = admin_client.post(edit_url, form_data(topic, name="时效-01"))
    assert response.status_code == 200 and "没有可解析的法条引用" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == QuestionStatus.DRAFT

    listing = reverse(Question.snippet_viewset.get_url_name("list"))
    page = admin_client.get(listing + "?needs_citation=true").content.decode()
    assert "草稿（待补充法条）" in page and "时效-01" in page
    assert admin_client.get(listing + "?q=时效-01").content.decode().count("时效-01") >= 1

    response = admin_client.post(
        edit_url, form_data(topic, name="时效-01", citations="行政处罚法第三十六条第一款")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == QuestionStatus.ACTIVE
    assert draft.current_version.citations.get().label == "行政处罚法第三十六条第一款"
    page = admin_client.get(listing + "?needs_citation=true").content.decode()
    assert "时效-01" not in page

    # Back to a draft, dropping the citation in the same edit.
    response = admin_client.post(edit_url, form_data(topic, status="draft", name="时效-01"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == QuestionStatus.DRAFT
    assert not draft.current_version.citations.exists()


def test_the_editor_takes_an_indefinite_choice_with_one_key(topic, admin_client):
    add_url = reverse(Question.snippet_viewset.get_url_name("add"))
    data = form_data(topic, kind="multiple", indefinite="on", citations="行政处罚法第三十六条")
    response = admin_client.post(add_url, data)
    assert response.status_code == 302
    version = Question.objects.get().current_version
    assert version.indefinite and version.kind_label == "不定项选择题"
    listing = reverse(Question.snippet_viewset.get_url_name("list"))
    assert "不定项选择题" in admin_client.get(listing).content.decode()


# --- The bulk "cite" tool ----------------------------------------------------------------------


def draft(topic, stem: str, options) -> Question:
    return question_create(
        topic=topic,
        kind="single",
        stem=stem,
        options=options,
        articles=[],
        status=QuestionStatus.DRAFT,
    )


@pytest.mark.postgres  # locks the questions across the current version's outer join
def test_cite_tool_suggests_by_wording_and_activates_what_becomes_sound(topic, admin_client):
    limitation = draft(
        topic,
        "违法行为在几年内未被发现的，不再给予行政处罚？",
        [ParsedOption("一年", False), ParsedOption("二年", True)],
    )
    mitigation = draft(
        topic,
        "当事人主动消除或者减轻违法行为危害后果的，行政机关应当如何处理？",
        [ParsedOption("从轻或者减轻行政处罚", True), ParsedOption("从重处罚", False)],
    )
    mitigation.current_version.locked = True  # an attempt used it: a new version is made
    mitigation.current_version.save(update_fields=["locked"])
    url = reverse("wagtail_bulk_action", args=["exams", "question", "cite"])
    query = f"?id={limitation.pk}&id={mitigation.pk}"

    page = admin_client.get(url + query).content.decode()
    assert "行政处罚法第三十二条：当事人有下列情形之一，应当从轻或者减轻行政处罚" in page
    assert "行政处罚法第三十六条：违法行为在二年内未被发现的" in page

    response = admin_client.post(url + query, {"citation": "行政处罚法第九百条"})
    assert response.status_code == 200 and "行政处罚法没有第九百条" in response.content.decode()
    assert not Question.objects.filter(current_version__citations__isnull=False).exists()

    response = admin_client.post(
        url + query,
        {
            "citation": "行政处罚法第三十六条第一款",
            f"cite_{limitation.pk}": "common",
            f"cite_{mitigation.pk}": str(
                Article.objects.get(version__law__short_title="行政处罚法", number=32).pk
            ),
            "activate": "on",
        },
    )
    assert response.status_code == 302
    limitation.refresh_from_db()
    mitigation.refresh_from_db()
    assert limitation.status == mitigation.status == QuestionStatus.ACTIVE
    assert limitation.current_version.citations.get().label == "行政处罚法第三十六条第一款"
    assert [c.article.number for c in mitigation.current_version.citations.all()] == [32]
    assert mitigation.current_version.number == 2
    actions = set(ModelLogEntry.objects.values_list("action", flat=True))
    assert {"exams.question.cite", "exams.question.reactivate"} <= actions


@pytest.mark.postgres  # locks the questions across the current version's outer join
def test_cite_tool_does_not_activate_without_the_checkbox_and_refuses_outsiders(
    topic, admin_client
):
    question = draft(
        topic,
        "违法行为在几年内未被发现的，不再给予行政处罚？",
        [ParsedOption("一年", False), ParsedOption("二年", True)],
    )
    url = reverse("wagtail_bulk_action", args=["exams", "question", "cite"])
    query = f"?id={question.pk}"

    learner = UserFactory()
    give_totp(learner)
    client = Client()
    client.force_login(learner)
    response = client.post(
        url + query, {"citation": "行政处罚法第三十六条", f"cite_{question.pk}": "common"}
    )
    assert response.status_code in (302, 403)
    question.refresh_from_db()
    assert not question.current_version.citations.exists()

    response = admin_client.post(
        url + query, {"citation": "行政处罚法第三十六条", f"cite_{question.pk}": "common"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == QuestionStatus.DRAFT
    assert question.current_version.citations.count() == 1
    assert question.current_version.number == 1  # unused version: edited in place
    assert penalty(36) == question.current_version.citations.get().article
