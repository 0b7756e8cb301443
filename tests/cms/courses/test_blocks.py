"""The lesson blocks: law quotes (with the amendment notice), self-checks and the others."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from wagtail.blocks import StreamValue
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from cms.blocks import (
    SELF_CHECK_NO_CORRECT_OPTION,
    HeadingBlock,
    LawArticleBlock,
    LessonStreamBlock,
    SelfCheckBlock,
)

from .conftest import self_check_value

pytestmark = pytest.mark.django_db


def render_law_article(article, note: str = "") -> str:
    block = LawArticleBlock()
    value = block.to_python({"article": article.pk, "note": note})
    return block.render(value)


def test_law_article_block_quotes_current_article_without_amendment_notice(
    reconsideration_articles,
):
    article = reconsideration_articles["new"]

    html = render_law_article(article, note="注意“应当知道”")

    assert "第二十条" in html
    assert "中华人民共和国行政复议法" in html
    assert "2023年9月1日" in html
    assert "自知道或者应当知道该行政行为之日起六十日内" in html
    assert f'href="{article.get_absolute_url()}"' in html
    assert "/laws/administrative-reconsideration-law/2023-09-01/#art-20" in html
    assert "注意“应当知道”" in html
    assert "已修改" not in html
    assert "/compare/" not in html


def test_law_article_block_on_superseded_version_links_to_comparison(reconsideration_articles):
    html = render_law_article(reconsideration_articles["old"])

    assert "第九条" in html
    assert "2017年9月1日" in html
    assert "已修改" in html
    assert 'href="/laws/administrative-reconsideration-law/compare/"' in html


def test_law_article_block_paragraphs_are_separate(reconsideration_articles):
    html = render_law_article(reconsideration_articles["old"])

    assert html.count("<p>") >= 2
    assert "<p>因不可抗力或者其他正当理由耽误法定申请期限的" in html


def test_law_article_quotes_load_law_in_fixed_queries(
    reconsideration_articles, django_assert_max_num_queries
):
    """Versions and laws of all quoted articles are fetched together, not per quote."""
    stream_block = LessonStreamBlock()
    raw = [
        {"type": "law_article", "value": {"article": article.pk, "note": ""}}
        for article in list(reconsideration_articles.values()) * 5
    ]
    value = StreamValue(stream_block, raw, is_lazy=True)
    # articles, versions, laws; the stored alignments and counterparts of amended ones
    with django_assert_max_num_queries(5):
        html = stream_block.render(value)
    assert html.count("law-quote__source") == 10


def test_quote_of_an_amended_article_links_its_current_counterpart(
    reconsideration_articles, django_assert_max_num_queries
):
    from cms.laws.services import version_alignment_store

    old, new = reconsideration_articles["old"], reconsideration_articles["new"]
    version_alignment_store(old=old.version, new=new.version)
    stream_block = LessonStreamBlock()
    raw = [{"type": "law_article", "value": {"article": old.pk, "note": ""}}] * 3
    value = StreamValue(stream_block, raw, is_lazy=True)
    with django_assert_max_num_queries(5):
        html = stream_block.render(value)
    assert html.count("已修改") == 3
    assert html.count(f'href="{new.get_absolute_url()}"') == 3
    assert "现行《行政复议法》第二十条" in html


def test_self_check_renders_accessible_form_with_key_and_tracking_attributes():
    block = SelfCheckBlock()
    value = block.to_python(self_check_value())

    html = block.render(value, context={"id": "check-1"})

    assert "data-self-check" in html
    assert 'data-self-check-id="check-1"' in html
    assert 'data-correct="0"' in html
    assert "<fieldset>" in html and "<legend>" in html
    assert 'type="radio"' in html
    assert 'type="submit"' in html
    assert 'aria-live="polite"' in html
    assert 'self-check__explanation" hidden' in html


def test_self_check_with_several_correct_options_uses_checkboxes():
    block = SelfCheckBlock()
    data = self_check_value()
    data["options"][1]["is_correct"] = True

    html = block.render(block.to_python(data), context={"id": "x"})

    assert 'type="checkbox"' in html
    assert 'data-correct="0,1"' in html


def test_self_check_requires_a_correct_option():
    block = SelfCheckBlock()
    data = self_check_value()
    for option in data["options"]:
        option["is_correct"] = False

    with pytest.raises(StructBlockValidationError) as excinfo:
        block.clean(block.to_python(data))
    assert str(SELF_CHECK_NO_CORRECT_OPTION) in str(excinfo.value.block_errors["options"])


@pytest.mark.parametrize("count", [1, 7])
def test_self_check_needs_two_to_six_options(count):
    block = SelfCheckBlock()
    data = self_check_value()
    data["options"] = [{"text": f"选项{i}", "is_correct": i == 0} for i in range(count)]

    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python(data))


def test_self_check_with_six_options_is_valid():
    block = SelfCheckBlock()
    data = self_check_value()
    data["options"] = [{"text": f"选项{i}", "is_correct": i == 0} for i in range(6)]

    assert len(block.clean(block.to_python(data))["options"]) == 6


def test_heading_block_renders_chosen_level():
    block = HeadingBlock()
    assert block.render(block.to_python({"text": "申请期限", "level": "h3"})).strip() == (
        "<h3>申请期限</h3>"
    )


def test_image_block_renders_alt_text_and_caption():
    image = Image.objects.create(title="图", file=get_test_image_file())
    block = LessonStreamBlock().child_blocks["image"]
    value = block.to_python({"image": image.pk, "alt_text": "行政复议流程图", "caption": "流程"})

    html = block.render(value)

    assert 'alt="行政复议流程图"' in html
    assert "<figcaption" in html and "流程" in html


def test_document_block_links_document_with_size():
    document = Document.objects.create(title="复议申请书范本")
    document.file.save("template.txt", ContentFile(b"x" * 2048))
    document.file_size = 2048
    document.save()
    block = LessonStreamBlock().child_blocks["document"]

    html = block.render(block.to_python({"document": document.pk, "title": ""}))

    assert f'href="{document.url}"' in html
    assert "复议申请书范本" in html
    assert "2.0" in html and "KB" in html


def test_every_lesson_block_has_icon_and_template():
    for name, child in LessonStreamBlock().child_blocks.items():
        assert child.meta.icon and child.meta.icon != "placeholder", name
        assert child.meta.template.startswith("blocks/"), name
