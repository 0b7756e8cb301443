"""The city's implementation plan as a citable source: import, citations, the library page."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from cms.laws.citations import CitationError, citation_format, citations_resolve
from cms.laws.models import Article, Law, LawKind
from cms.laws.policies import IMPLEMENTATION_PLAN_KEY, POLICY_DOCUMENTS
from cms.laws.services import law_library_import, policy_documents_import
from tests.conftest import CONTENT_DIR
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

PLAN_FILE = CONTENT_DIR / "implementation-plan.txt"
PLAN = "市政府依法行政实施方案"

# Counted from the file independently of the parser: a paragraph that starts with its number.
PART_LINE = re.compile(r"^[一二三四五六七八九十]+、")
SECTION_LINE = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")
ITEM_LINE = re.compile(r"^\d+、")
SUB_ITEM_LINE = re.compile(r"^[(（]\d+[)）]")


def plan_lines() -> list[str]:
    return [line.strip() for line in PLAN_FILE.read_text(encoding="utf-8").splitlines()]


def plan_counts() -> dict[str, int]:
    """Parts, sections, items, sub-items, and the sections that have no items (their own
    text is then the unit that is cited)."""
    lines = [line for line in plan_lines() if line]
    counts = {"parts": 0, "sections": 0, "items": 0, "sub_items": 0, "sections_without_items": 0}
    items_in_section: list[int] = []
    for line in lines:
        if PART_LINE.match(line):
            counts["parts"] += 1
        elif SECTION_LINE.match(line):
            counts["sections"] += 1
            items_in_section.append(0)
        elif ITEM_LINE.match(line):
            counts["items"] += 1
            items_in_section[-1] += 1
        elif SUB_ITEM_LINE.match(line):
            counts["sub_items"] += 1
    counts["sections_without_items"] = items_in_section.count(0)
    return counts


@pytest.fixture
def plan(db) -> Law:
    report = policy_documents_import(base_dir=CONTENT_DIR.parent)
    assert report.laws_created == 1
    return Law.objects.get(key=IMPLEMENTATION_PLAN_KEY)


def plan_units(plan: Law) -> list[Article]:
    return list(
        Article.objects.filter(version__law=plan, version__is_current=True)
        .select_related("version__law")
        .order_by("number")
    )


def test_the_plan_imports_with_its_parts_sections_and_items(plan):
    counts = plan_counts()
    assert counts == {
        "parts": 3,
        "sections": 13,
        "items": 33,
        "sub_items": 5,
        "sections_without_items": 6,
    }
    units = plan_units(plan)
    assert plan.kind == LawKind.POLICY and plan.title == PLAN and plan.category == "政策文件"
    assert len(units) == counts["items"] + counts["sub_items"] + counts["sections_without_items"]
    assert len({unit.chapter for unit in units}) == counts["parts"]
    assert len({(unit.chapter, unit.section) for unit in units}) == counts["sections"]
    labels = [unit.label for unit in units]
    assert labels[:3] == ["一（一）", "一（二）", "二（一）1"]
    assert labels[3:8] == [f"二（一）1（{n}）" for n in range(1, 6)]
    assert labels[-4:] == ["三（一）", "三（二）", "三（三）", "三（四）"]
    assert sum(label.startswith("二（六）") for label in labels) == 8
    # Sub-items, continuation paragraphs and untitled paragraphs stay with their unit.
    by_label = {unit.label: unit for unit in units}
    assert by_label["二（一）1"].text.endswith("重点抓好五个方面的工作。")
    assert (
        "任何单位和个人不得向执法人员下达或变相下达罚款指标和收费指标" in by_label["二（一）3"].text
    )
    assert "不得设定行政处罚、行政许可和行政事业性收费" in by_label["二（三）2"].text
    assert len(by_label["二（三）2"].text.splitlines()) == 2
    assert by_label["一（二）"].text.splitlines()[1].startswith("目标:")
    assert by_label["一（二）"].section == "（二）推进依法行政的目标和基本要求"
    assert by_label["二（七）1"].chapter == "二、工作任务和措施"
    assert by_label["三（一）"].text.startswith("加强对推进依法行政工作的组织领导。建立杭州市")
    assert plan.versions.get().preamble.startswith("根据国务院《关于印发全面推进依法行政实施纲要")
    # Every line of the file is kept somewhere: the text is whole.
    headings = "".join(unit.chapter + unit.section for unit in units)
    stored = "".join(unit.text for unit in units) + plan.versions.get().preamble + headings
    for line in plan_lines()[4:]:
        body = re.sub(
            r"^([一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+、)", "", line
        )
        assert body.rstrip("。") in stored or not body, line[:30]


def test_importing_again_changes_nothing_and_dry_run_writes_nothing(plan):
    ids = {unit.label: unit.pk for unit in plan_units(plan)}
    again = policy_documents_import(base_dir=CONTENT_DIR.parent)
    assert not again.changed
    assert {unit.label: unit.pk for unit in plan_units(plan)} == ids
    Law.objects.all().delete()
    dry = policy_documents_import(base_dir=CONTENT_DIR.parent, dry_run=True)
    assert dry.articles_created == 44 and not Law.objects.exists()


def test_import_policies_command(db):
    out = io.StringIO()
    call_command("import_policies", str(CONTENT_DIR.parent), stdout=out)
    assert "documents created: 1" in out.getvalue() and "units created: 44" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("《市政府依法行政实施方案》二（一）1", "二（一）1"),
        ("市政府依法行政实施方案二(一)1", "二（一）1"),
        ("实施方案第二部分第（一）项第1点", "二（一）1"),
        ("《实施方案》第二部分（一）第一点", "二（一）1"),
        ("本市依法行政实施方案 二、（一）3、", "二（一）3"),
        ("依法行政实施方案第二部分第三节第2项", "二（三）2"),
        ("《市政府依法行政实施方案》二（一）1（4）", "二（一）1（4）"),
        ("实施方案二（一）1(４)", "二（一）1（4）"),
        ("本实施方案三（一）", "三（一）"),
        ("实施方案第一部分第（二）项", "一（二）"),
        ("《市政府依法行政实施方案》（2006）二（七）2", "二（七）2"),
    ],
)
def test_forms_people_write_resolve_to_the_unit(plan, text, label):
    [unit] = citations_resolve(text)
    assert unit.version.law == plan and unit.label == label


def test_canonical_form_round_trips_for_every_unit(plan):
    units = plan_units(plan)
    assert citation_format(units[2]) == "《市政府依法行政实施方案》二（一）1"
    for unit in units:
        assert citations_resolve(citation_format(unit)) == [unit]
    assert citations_resolve("；".join(citation_format(unit) for unit in units)) == units


def test_a_unit_list_continues_the_document_part_and_section(plan, laws_dir, tmp_path):
    labels = [a.label for a in citations_resolve("实施方案二（一）1、2、（三）3；三（二）")]
    assert labels == ["二（一）1", "二（一）2", "二（三）3", "三（二）"]
    # A law after the plan is read as a law again, and the plan after a law as the plan.
    _licensing_only(tmp_path, laws_dir)
    mixed = citations_resolve(
        "实施方案二（一）4；行政许可法第四十二条、第四十三条；实施方案二（一）5"
    )
    assert [str(article) for article in mixed] == [
        "《市政府依法行政实施方案》二（一）4",
        "行政许可法第四十二条",
        "行政许可法第四十三条",
        "《市政府依法行政实施方案》二（一）5",
    ]


def _licensing_only(tmp_path, laws_dir):
    target = tmp_path / "laws"
    target.mkdir()
    rows = (laws_dir / "manifest.csv").read_text(encoding="utf-8").splitlines()
    kept = [rows[0]] + [row for row in rows if row.startswith("administrative-licensing-law,")]
    (target / "manifest.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    name = kept[1].split(",")[1]
    (target / name).write_bytes((laws_dir / name).read_bytes())
    law_library_import(directory=target)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("实施方案二（九）1", "实施方案没有二（九）1"),
        ("实施方案二（一）8", "实施方案没有二（一）8"),
        ("实施方案第三部分", "实施方案没有三"),
        ("方案二（一）1", "法律法规库中没有“方案”"),
        ("二（一）1", "“二（一）1”没有写明法律名称"),
        (
            "《市政府依法行政实施方案》（2010）二（一）1",
            "市政府依法行政实施方案没有（2010）这个版本",
        ),
        ("市政府依法行政实施方案第五条", "按部分、节、项引用"),
    ],
)
def test_errors_name_what_is_wrong(plan, text, message):
    with pytest.raises(CitationError) as caught:
        citations_resolve(text)
    assert any(message in error for error in caught.value.errors), caught.value.errors


def test_a_second_policy_with_the_same_ending_makes_the_short_name_ambiguous(plan, tmp_path):
    other = tmp_path / "content" / "other.txt"
    other.parent.mkdir()
    other.write_text("区政府依法行政实施方案\n\n一、总体要求\n\n(一)总则。依法行政。\n", "utf-8")
    source = POLICY_DOCUMENTS[0]
    policy_documents_import(
        base_dir=tmp_path,
        documents=[
            type(source)(
                key="district-plan",
                path="content/other.txt",
                title="区政府依法行政实施方案",
                category=source.category,
                version_date=source.version_date,
            )
        ],
    )
    with pytest.raises(CitationError) as caught:
        citations_resolve("实施方案一（一）")
    assert "可指多份政策文件" in caught.value.errors[0]
    [unit] = citations_resolve("《区政府依法行政实施方案》一（一）")
    assert unit.text == "总则。依法行政。"
    assert citations_resolve("市政府依法行政实施方案二（一）1")[0].version.law == plan


def test_the_library_page_shows_the_plan_by_part_section_and_item(
    client, plan, django_assert_max_num_queries
):
    url = reverse("laws:detail", args=[IMPLEMENTATION_PLAN_KEY])
    with django_assert_max_num_queries(4):
        response = client.get(url)  # anonymous: the library is public, like every law
    html = response.content.decode()
    assert response.status_code == 200
    anchors = re.findall(r'<article class="article[^"]*" id="(unit-[\d-]+)"', html)
    assert len(anchors) == 44 and anchors[:3] == ["unit-1-1", "unit-1-2", "unit-2-1-1"]
    assert 'class="article article--sub-item" id="unit-2-1-1-4"' in html
    assert '<h2 id="part-2-title">二、工作任务和措施</h2>' in html
    assert '<h3 id="section-2-1">（一）转变政府职能,着力推进行政管理体制改革</h3>' in html
    # A section that is cited as a whole has no separate heading: its text starts with it.
    assert 'id="section-1-1"' not in html and 'href="#unit-1-1"' in html
    assert "领导小组办公室设在市法制办" in html and 'id="preamble"' in html
    unit = Article.objects.select_related("version__law").get(version__law=plan, label="二（一）1")
    # Dated like every article URL, so a link keeps showing the text it was made against.
    assert unit.get_absolute_url() == f"{url}2006-01-01/#unit-2-1-1"
    assert client.get(unit.version.get_absolute_url()).status_code == 200
    assert str(unit) == "《市政府依法行政实施方案》二（一）1"


def test_the_index_lists_the_plan_with_the_laws_and_search_finds_its_units(client, plan):
    html = client.get(reverse("laws:index")).content.decode()
    assert "政策文件</h2>" in html and PLAN in html and "共 44 个条目" in html
    html = client.get(reverse("laws:search"), {"q": "罚款指标"}).content.decode()
    assert "《市政府依法行政实施方案》二（一）3" in html
    assert f'href="/laws/{IMPLEMENTATION_PLAN_KEY}/2006-01-01/#unit-2-1-3"' in html


def test_the_article_chooser_finds_a_plan_unit_however_its_place_is_written(client, plan):
    """The chooser that course pages and questions use (staff who passed MFA)."""
    user = UserFactory(is_staff=True, is_superuser=True)
    give_totp(user)
    admin_client = client
    admin_client.force_login(user)
    url = reverse("law_article_chooser:choose_results")
    for term in ("二（一）3", "二(一)3", "第二部分第（一）项第3点"):
        results = admin_client.get(url, {"q": f"实施方案 {term}"}).context["results"]
        assert [str(article) for article in results] == ["《市政府依法行政实施方案》二（一）3"]
    text = admin_client.get(url, {"q": "罚款指标"}).context["results"]
    assert [article.label for article in text] == ["二（一）3"]
