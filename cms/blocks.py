"""StreamField blocks shared by the site's pages (lesson bodies first of all).

Each block names its own template in ``cms/templates/blocks/`` so that a page template only
needs ``{% include_block page.body %}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from cms.laws.selectors import current_counterparts
from cms.laws.viewsets import article_chooser_viewset

# Named and placed here so that migrations deconstruct it as ``cms.blocks.ArticleChooserBlock``.
ArticleChooserBlock = article_chooser_viewset.get_block_class(
    name="ArticleChooserBlock", module_path="cms.blocks"
)

SELF_CHECK_MIN_OPTIONS = 2
SELF_CHECK_MAX_OPTIONS = 6
SELF_CHECK_NO_CORRECT_OPTION = _("请至少标记一个正确选项。")

RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link", "blockquote"]


class HeadingBlock(blocks.StructBlock):
    """A section heading; lessons only use h2/h3 because the page title is the h1."""

    text = blocks.CharBlock(label=_("标题文字"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("级别"),
        choices=[("h2", _("二级标题")), ("h3", _("三级标题"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "blocks/heading_block.html"


class ParagraphBlock(blocks.RichTextBlock):
    """Explanatory text; headings come from HeadingBlock so the outline stays consistent."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("段落")
        template = "blocks/paragraph_block.html"


class LawArticleBlock(blocks.StructBlock):
    """Quotes one article of the law library, so a lesson cites the official text verbatim.

    The article is stored by id of a specific version: when the law is amended later, the
    lesson keeps quoting what it was written against and tells the learner it has changed.
    """

    article = ArticleChooserBlock(label=_("法条"))
    note = blocks.TextBlock(
        label=_("说明"),
        required=False,
        help_text=_("可选：对本条的简短提示，显示在条文下方。"),
    )

    class Meta:
        icon = "openquote"
        label = _("法条引用")
        template = "blocks/law_article_block.html"

    def bulk_to_python(self, values: list[dict[str, Any]]) -> list[blocks.StructValue]:
        """Load each article's version and law together, so a lesson's queries do not grow
        with the number of quoted articles."""
        struct_values = super().bulk_to_python(values)
        articles = [value["article"] for value in struct_values if value.get("article")]
        prefetch_related_objects(articles, "version__law")
        counterparts = current_counterparts(articles)
        for article in articles:
            if not article.version.is_current:
                article.current_counterpart = counterparts.get(article.pk)
        return struct_values

    def get_context(self, value: blocks.StructValue, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        article = value.get("article")
        context["article"] = article
        if article is not None:
            law = article.version.law
            context["law"] = law
            context["version"] = article.version
            context["is_amended"] = not article.version.is_current
            if context["is_amended"]:
                if not hasattr(article, "current_counterpart"):  # rendered outside a page
                    article.current_counterpart = current_counterparts([article]).get(article.pk)
                context["counterpart"] = article.current_counterpart
            context["paragraphs"] = [line for line in article.text.splitlines() if line.strip()]
            context["article_url"] = article.get_absolute_url()
            context["compare_url"] = law_compare_url(law_key=law.key)
        return context


def law_compare_url(*, law_key: str) -> str:
    """The law library's page comparing a law's versions (``/laws/<key>/compare/``)."""
    return reverse("laws:compare", kwargs={"key": law_key})


class ImageBlock(blocks.StructBlock):
    """An illustration with a caption; the alt text is required for screen-reader users."""

    image = ImageChooserBlock(label=_("图片"))
    alt_text = blocks.CharBlock(
        label=_("替代文字"),
        max_length=200,
        help_text=_("为无法看到图片的读者描述图片内容。"),
    )
    caption = blocks.CharBlock(label=_("图注"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "blocks/image_block.html"


class DocumentBlock(blocks.StructBlock):
    """A downloadable handout (e.g. a case file or a slide deck) with its size shown."""

    document = DocumentChooserBlock(label=_("文档"))
    title = blocks.CharBlock(
        label=_("链接文字"), required=False, max_length=200, help_text=_("留空则使用文档标题。")
    )

    class Meta:
        icon = "doc-full"
        label = _("文档下载")
        template = "blocks/document_block.html"


class VideoBlock(blocks.StructBlock):
    """An embedded lecture video (oEmbed URL) with a caption."""

    video = EmbedBlock(label=_("视频链接"), help_text=_("视频网站的播放页地址。"))
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("视频")
        template = "blocks/video_block.html"


class SelfCheckOptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("选项内容"), max_length=300)
    is_correct = blocks.BooleanBlock(label=_("正确选项"), required=False)

    class Meta:
        icon = "tick"
        label = _("选项")


class SelfCheckBlock(blocks.StructBlock):
    """A quick question for the learner; not graded, only tells them whether they understood.

    The key is in the page on purpose (the check runs in the browser); exam questions live in
    the exam app and never reach the browser before the attempt ends.
    """

    question = blocks.TextBlock(label=_("题目"))
    options = blocks.ListBlock(
        SelfCheckOptionBlock(),
        label=_("选项"),
        min_num=SELF_CHECK_MIN_OPTIONS,
        max_num=SELF_CHECK_MAX_OPTIONS,
    )
    explanation = blocks.RichTextBlock(label=_("解析"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("随堂自测")
        template = "blocks/self_check_block.html"

    def clean(self, value: blocks.StructValue) -> blocks.StructValue:
        value = super().clean(value)
        if not any(option["is_correct"] for option in value["options"]):
            raise StructBlockValidationError(
                block_errors={"options": ValidationError(SELF_CHECK_NO_CORRECT_OPTION)}
            )
        return value

    def get_context(self, value: blocks.StructValue, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        correct = [i for i, option in enumerate(value["options"]) if option["is_correct"]]
        context["correct_indexes"] = ",".join(str(i) for i in correct)
        context["is_multiple"] = len(correct) > 1
        return context


class LessonStreamBlock(blocks.StreamBlock):
    """Everything a lesson body may contain."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    law_article = LawArticleBlock()
    image = ImageBlock()
    document = DocumentBlock()
    video = VideoBlock()
    self_check = SelfCheckBlock()
