"""The question bank's back office, through HTTP as an exam administrator would use it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from django.urls import reverse
from openpyxl import Workbook

from cms.laws.models import Article, Law
from cms.laws.services import law_library_import
from exams.formats.base import ParsedOption
from exams.formats.spreadsheet import COLUMNS, parse_spreadsheet
from exams.models import AmendmentFlag, Question, QuestionStatus, Topic
from exams.selectors import topics_with_counts
from exams.services import question_create
from tests.conftest import LAWS_DIR
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

LICENSING = "administrative-licensing-law_2019-04-23.md"
PENALTY = "administrative-penalty-law_2021-01-22.md"
RECONSIDERATION_2017 = "administrative-reconsideration-law_2017-09-01.md"
RECONSIDERATION_2023 = "administrative-reconsideration-law_2023-09-01.md"


def import_laws(directory: Path, files: list[str]) -> None:
    """Import some of the real laws: a manifest with only their rows, beside their files."""
    directory.mkdir(exist_ok=True)
    with (LAWS_DIR / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["file"] in files]
        fieldnames = reader.fieldnames
    with (directory / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    for name in files:
        shutil.copy(LAWS_DIR / name, directory / name)
    law_library_import(directory=directory)


@pytest.fixture
def laws(tmp_path) -> Path:
    import_laws(tmp_path / "laws", [LICENSING, PENALTY, RECONSIDERATION_2017])
    return tmp_path / "laws"


@pytest.fixture
def admin_client(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    give_totp(user)
    client.force_login(user)
    client.user = user
    return client


def topic(name: str = "行政许可") -> Topic:
    return Topic.objects.get(name=name)


def article(short_title: str, number: int, *, current: bool = True) -> Article:
    return Article.objects.select_related("version__law").get(
        version__law__short_title=short_title, version__is_current=current, number=number
    )


def make_question(stem: str, *, cite: Article, kind: str = "single", **kwargs) -> Question:
    options = [
        ParsedOption("五日", False),
        ParsedOption("十日", True),
        ParsedOption("二十日", False),
    ]
    if kind == "multiple":
        options[0].correct = True
    return question_create(
        topic=kwargs.pop("topic", None) or topic(),
        kind=kind,
        stem=stem,
        options=options if kind != "true_false" else (),
        answer_true=True if kind == "true_false" else None,
        explanation="解析文字",
        articles=[cite],
        **kwargs,
    )


def list_url() -> str:
    return reverse(Question.snippet_viewset.get_url_name("list"))


def form_data(**overrides) -> dict:
    data = {
        "topic": str(topic().pk),
        "status": "active",
        "kind": "single",
        "difficulty": "2",
        "stem": "行政机关应当自受理行政许可申请之日起多少日内作出行政许可决定？",
        "option_a": "十日",
        "option_b": "十五日",
        "option_c": "二十日",
        "option_d": "三十日",
        "answer": "C",
        "explanation": "见行政许可法第四十二条。",
        "citations": "行政许可法第四十二条",
    }
    data.update(overrides)
    return data


# --- Listing --------------------------------------------------------------------------------


def test_listing_filters_with_a_query_budget_independent_of_page_size(
    admin_client, laws, django_assert_max_num_queries
):
    licensing = article("行政许可法", 42)
    penalty = article("行政处罚法", 33)
    parent = topic("行政法")
    for n in range(5):
        make_question(f"许可题{n}", cite=licensing)
    make_question("处罚题", cite=penalty, topic=topic("行政处罚"), kind="multiple")
    make_question("宪法题", cite=penalty, topic=topic("宪法"))
    url = f"{list_url()}?topic={parent.pk}&status=active"

    with django_assert_max_num_queries(15):
        response = admin_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "许可题0" in content and "处罚题" in content  # subtopics of 行政法 included
    assert "宪法题" not in content
    assert "行政许可法" in content  # cited laws column

    for n in range(5, 50):
        make_question(f"许可题{n}", cite=licensing)
    with django_assert_max_num_queries(15):
        response = admin_client.get(url)
    assert "许可题49" in response.content.decode()

    law = Law.objects.get(short_title="行政处罚法")
    response = admin_client.get(f"{list_url()}?law={law.pk}&kind=multiple")
    content = response.content.decode()
    assert "处罚题" in content and "许可题1" not in content and "宪法题" not in content

    response = admin_client.get(f"{list_url()}?q=宪法题")
    content = response.content.decode()
    assert "宪法题" in content and "许可题1" not in content


def test_question_bank_menu(admin_client):
    content = admin_client.get(reverse("wagtailadmin_home")).content.decode("unicode_escape")
    for label in ("题库", "试题", "知识点", "导入试题"):
        assert label in content
    assert reverse("exams_bank_import") in content


def test_listing_offers_exports_and_import(admin_client):
    content = admin_client.get(list_url()).content.decode()
    assert reverse("exams_bank_import") in content
    assert f"{reverse('exams_bank_export')}?format=gift" in content
    assert "导出 Moodle XML" in content


def test_topic_tree_shows_counts_and_adds_a_child(admin_client, laws):
    make_question("许可题", cite=article("行政许可法", 42))
    retired = make_question("旧题", cite=article("行政许可法", 42))
    retired.status = QuestionStatus.RETIRED
    retired.save()
    viewset_index = reverse("exams_topics:index")
    licensing = topic("行政许可")

    content = admin_client.get(viewset_index).content.decode()
    assert "└ 行政许可" in content
    assert f"?parent={licensing.pk}" in content

    add_url = reverse("exams_topics:add")
    response = admin_client.post(add_url, {"name": "许可期限", "parent": str(licensing.pk)})
    assert response.status_code == 302
    child = Topic.objects.get(name="许可期限")
    assert child.get_parent() == licensing and child.depth == 3

    rows = {t.name: (t.active, t.total) for t in topics_with_counts()}
    assert rows["行政许可"] == (1, 2)
    edit_url = reverse("exams_topics:edit", args=[child.pk])
    response = admin_client.post(edit_url, {"name": "许可期限与送达"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.name == "许可期限与送达" and child.get_parent() == licensing


# --- Create, edit, preview ------------------------------------------------------------------


def test_create_question_through_the_admin_form_resolves_citations(admin_client, laws):
    add_url = reverse(Question.snippet_viewset.get_url_name("add"))

    response = admin_client.post(add_url, form_data(citations="行政许可法第九百条"))
    assert response.status_code == 200
    assert "行政许可法没有第九百条" in response.content.decode()
    assert not Question.objects.exists()

    response = admin_client.post(add_url, form_data())
    assert response.status_code == 302
    question = Question.objects.get()
    version = question.current_version
    assert version.number == 1
    assert version.kind == "single"
    assert [o["text"] for o in version.options] == ["十日", "十五日", "二十日", "三十日"]
    assert version.correct_ids == [3]
    assert version.difficulty == 2
    assert list(version.articles.all()) == [article("行政许可法", 42)]
    assert question.created_by == admin_client.user


def test_single_choice_with_two_answers_is_refused_on_the_answer_field(admin_client, laws):
    add_url = reverse(Question.snippet_viewset.get_url_name("add"))
    response = admin_client.post(add_url, form_data(answer="AC"))
    assert response.status_code == 200
    assert "单选题只能有一个正确答案。" in response.content.decode()
    assert not Question.objects.exists()


def test_editing_a_locked_version_makes_a_new_version(admin_client, laws):
    question = make_question("原题干", cite=article("行政许可法", 42))
    question.current_version.locked = True
    question.current_version.save(update_fields=["locked"])
    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[question.pk])

    page = admin_client.get(edit_url).content.decode()
    assert "原题干" in page and "当前为第 1 版" in page

    data = form_data(stem="新题干", option_a="五日", option_b="十日", option_c="二十日")
    data.update(option_d="", answer="B", citations="行政许可法第四十二条；行政处罚法第三十三条")
    response = admin_client.post(edit_url, data)
    assert response.status_code == 302

    question.refresh_from_db()
    versions = list(question.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].stem == "原题干"  # the used version is untouched
    assert question.current_version == versions[1]
    assert versions[1].stem == "新题干"
    assert [a.label for a in versions[1].articles.order_by("citations__position")] == [
        "第四十二条",
        "第三十三条",
    ]
    assert "当前为第 2 版" in admin_client.get(edit_url).content.decode()


def test_preview_shows_the_edited_stem_and_no_key_in_the_candidate_part(admin_client, laws):
    preview_url = reverse(Question.snippet_viewset.get_url_name("preview_on_add"))
    data = form_data(stem="预览中的题干：行政许可期限？", explanation="预览解析")

    response = admin_client.post(preview_url, data)
    assert response.json() == {"is_valid": True, "is_available": True}
    content = admin_client.get(preview_url).content.decode()

    candidate, _sep, key_block = content.partition("data-key-block")
    assert "预览中的题干：行政许可期限？" in candidate
    assert "A." in candidate and "二十日" in candidate
    assert "预览解析" not in candidate and "正确答案" not in candidate
    assert "correct" not in candidate
    assert "考生作答时不显示" in key_block
    assert "<dd>C</dd>" in key_block and "预览解析" in key_block
    assert "行政许可法第四十二条" in key_block
    assert not Question.objects.exists()


# --- Bulk actions ---------------------------------------------------------------------------


def test_bulk_retire_and_move(admin_client, laws):
    cite = article("行政许可法", 42)
    first, second, third = (make_question(f"题{n}", cite=cite) for n in range(3))
    url = reverse("wagtail_bulk_action", args=["exams", "question", "retire"])
    query = f"?id={first.pk}&id={second.pk}&next={list_url()}"

    assert "确定停用以下 2 道试题吗" in admin_client.get(url + query).content.decode()
    response = admin_client.post(url + query)
    assert response.status_code == 302
    statuses = dict(Question.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "retired", second.pk: "retired", third.pk: "active"}

    move_url = reverse("wagtail_bulk_action", args=["exams", "question", "move"])
    target = topic("行政处罚")
    assert "行政法/行政处罚" in admin_client.get(f"{move_url}?id={third.pk}").content.decode()
    response = admin_client.post(f"{move_url}?id={third.pk}", {"topic": target.pk})
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.topic == target


# --- Import ---------------------------------------------------------------------------------


def workbook(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row.get(column, "") for column in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    {
        "题型": "单选",
        "题干": "行政许可的实施期限一般为多少日？",
        "选项A": "十日",
        "选项B": "二十日",
        "答案": "B",
        "知识点": "行政许可",
        "法条": "行政许可法第四十二条",
    },
    {
        "题型": "判断",
        "题干": "行政处罚应当由具有行政处罚权的行政机关在法定职权范围内实施。",
        "答案": "对",
        "知识点": "行政处罚",
        "法条": "行政处罚法第十七条",
    },
]


def test_import_page_links_the_template(admin_client):
    content = admin_client.get(reverse("exams_bank_import")).content.decode()
    assert reverse("exams_bank_import_template") in content
    assert 'type="file"' in content


def upload(client, data: bytes, name: str = "questions.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("exams_bank_import"), {"action": "check", "file": file})


def test_import_of_a_bad_file_shows_the_row_error_and_writes_nothing(admin_client, laws):
    bad = [*GOOD_ROWS, {**GOOD_ROWS[0], "题干": "另一道题", "答案": "D"}]
    response = upload(admin_client, workbook(bad))
    content = response.content.decode()
    assert "第 4 行" in content
    assert "答案包含选项 D，但选项D为空。" in content
    assert 'value="confirm"' not in content  # no "确认导入" button
    assert not Question.objects.exists()


def test_import_previews_then_commits_the_kept_file(
    admin_client, laws, settings, tmp_path, private_root
):
    settings.MEDIA_ROOT = tmp_path / "media"
    response = upload(admin_client, workbook(GOOD_ROWS))
    content = response.content.decode()
    assert 'value="confirm"' in content and "确认导入</button>" in content
    assert "行政许可的实施期限一般为多少日？" in content  # preview table
    assert not Question.objects.exists()
    token = response.context["token"]
    # Kept in the private storage until confirmed, never under the public MEDIA_ROOT.
    kept = private_root / "uploads" / "pending"
    assert [p.name for p in kept.iterdir()] == [token]
    assert not (tmp_path / "media").exists()

    response = admin_client.post(
        reverse("exams_bank_import"), {"action": "confirm", "token": token}
    )
    assert response.status_code == 302
    assert Question.objects.count() == 2
    assert not any(kept.iterdir())
    page = admin_client.get(response.url).content.decode()
    assert "已导入 2 道试题，跳过 0 道。" in page

    # The token is single-use.
    response = admin_client.post(
        reverse("exams_bank_import"), {"action": "confirm", "token": token}
    )
    assert Question.objects.count() == 2


def test_template_download_is_the_spreadsheet_template(admin_client):
    response = admin_client.get(reverse("exams_bank_import_template"))
    frame = pd.read_excel(io.BytesIO(response.content), dtype=str)
    assert list(frame.columns) == COLUMNS


# --- Export ---------------------------------------------------------------------------------


def test_export_downloads_the_filtered_questions_and_parses_back(admin_client, laws):
    make_question("许可题", cite=article("行政许可法", 42))
    make_question("处罚题", cite=article("行政处罚法", 33), topic=topic("行政处罚"))
    retired = make_question("停用题", cite=article("行政处罚法", 33))
    retired.status = QuestionStatus.RETIRED
    retired.save()

    response = admin_client.get(reverse("exams_bank_export") + "?format=xlsx&status=active")
    assert response["Content-Disposition"] == 'attachment; filename="questions.xlsx"'
    parsed = parse_spreadsheet(response.content, "questions.xlsx")
    assert not parsed.errors
    assert sorted(q.stem for q in parsed.questions) == ["处罚题", "许可题"]
    by_stem = {q.stem: q for q in parsed.questions}
    assert by_stem["处罚题"].citations == "行政处罚法第三十三条"
    assert by_stem["处罚题"].topic == "行政法/行政处罚"

    response = admin_client.get(reverse("exams_bank_export") + "?format=csv&q=许可")
    parsed = parse_spreadsheet(response.content, "questions.csv")
    assert [q.stem for q in parsed.questions] == ["许可题"]

    assert admin_client.get(reverse("exams_bank_export") + "?format=pdf").status_code == 404


def test_export_as_a_word_or_text_list_parses_back(admin_client, laws):
    from exams.formats.detect import parse_questions_file

    make_question("许可题", cite=article("行政许可法", 42))
    make_question(
        "处罚题", cite=article("行政处罚法", 33), topic=topic("行政处罚"), kind="multiple"
    )
    content = admin_client.get(list_url()).content.decode()
    assert f"{reverse('exams_bank_export')}?format=docx" in content
    assert "导出 Word 题目列表" in content
    for fmt in ("docx", "txt"):
        response = admin_client.get(reverse("exams_bank_export") + f"?format={fmt}")
        assert response["Content-Disposition"] == f'attachment; filename="questions.{fmt}"'
        found, parsed = parse_questions_file(response.content, f"questions.{fmt}")
        assert (found, parsed.errors) == ("wordlist", [])
        by_stem = {q.stem: q for q in parsed.questions}
        assert by_stem["处罚题"].kind == "multiple"
        assert [o.text for o in by_stem["处罚题"].options if o.correct] == ["五日", "十日"]
        assert by_stem["处罚题"].citations == "行政处罚法第三十三条"
        assert by_stem["处罚题"].topic == "行政法/行政处罚"
        assert by_stem["许可题"].citations == "行政许可法第四十二条"


# --- Amendment review -----------------------------------------------------------------------


def test_amendment_review_repoints_citations_and_reactivates(admin_client, laws):
    old = article("行政复议法", 9)
    question = make_question("复议申请期限是多少日？", cite=old)
    import_laws(laws, [LICENSING, PENALTY, RECONSIDERATION_2017, RECONSIDERATION_2023])
    question.refresh_from_db()
    flags = list(AmendmentFlag.objects.filter(question=question, resolved_at__isnull=True))
    assert len(flags) == 1  # the 2023 revision rewrote the article
    assert question.status == QuestionStatus.NEEDS_REVIEW

    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[question.pk])
    review_url = reverse("exams_bank_amendments", args=[question.pk])
    assert review_url in admin_client.get(edit_url).content.decode()

    data = form_data(stem="复议申请期限是多少日？", option_a="五日", option_b="十日")
    data.update(option_c="二十日", option_d="", answer="B", citations="行政复议法（2017）第九条")
    response = admin_client.post(edit_url, data)  # cannot simply switch it back on
    assert "须先完成修法复核才能启用" in response.content.decode()

    page = admin_client.get(review_url).content.decode()
    assert old.text[:20] in page
    assert "已核对答案与新法条一致" in page

    replacement = article("行政复议法", 20)
    field = f"flag_{flags[0].pk}"
    response = admin_client.post(review_url, {field: str(replacement.pk)})
    assert response.status_code == 200  # the key was not confirmed
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEEDS_REVIEW
    response = admin_client.post(review_url, {field: str(replacement.pk), "confirmed": "on"})
    assert response.status_code == 302

    question.refresh_from_db()
    assert question.status == QuestionStatus.ACTIVE
    assert list(question.current_version.articles.all()) == [replacement]
    assert not AmendmentFlag.objects.filter(question=question, resolved_at__isnull=True).exists()
    history = admin_client.get(
        reverse(Question.snippet_viewset.get_url_name("history"), args=[question.pk])
    ).content.decode()
    assert "完成修法复核" in history
