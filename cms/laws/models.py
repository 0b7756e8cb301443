"""The law library: a law, its versions (one per amendment) and each version's articles."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LawKind(models.TextChoices):
    """What kind of source a library entry is; it decides how its units are numbered and cited.

    A law is cited by article (第四十二条); a policy document such as the city's implementation
    plan by part, section, item and sub-item (二（一）1（3）), see ``cms.laws.policies``.
    """

    LAW = "law", _("法律法规")
    POLICY = "policy", _("政策文件")


class Law(models.Model):
    """A law or regulation (or a policy document) across all its versions, e.g.
    中华人民共和国行政复议法 or 市政府依法行政实施方案."""

    key = models.SlugField(_("标识"), max_length=100, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    short_title = models.CharField(
        _("简称"), max_length=100, db_index=True, help_text=_("如“行政许可法”，用于法条引用。")
    )
    category = models.CharField(_("类别"), max_length=32)
    kind = models.CharField(
        _("文本类型"), max_length=16, choices=LawKind.choices, default=LawKind.LAW
    )
    first_adopted = models.DateField(_("通过日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("法律法规")
        verbose_name_plural = _("法律法规")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_policy(self) -> bool:
        return self.kind == LawKind.POLICY


class LawVersion(models.Model):
    """One version of a law as amended on ``version_date``. The newest is the current one."""

    law = models.ForeignKey(
        Law, verbose_name=_("法律法规"), on_delete=models.CASCADE, related_name="versions"
    )
    version_date = models.DateField(_("版本日期"))
    source_file = models.CharField(_("来源文件"), max_length=200)
    history = models.TextField(_("制定修改情况"), blank=True)
    preamble = models.TextField(
        _("序言"), blank=True, help_text=_("第一条之前的正文段落（如宪法序言），每段一行。")
    )
    is_current = models.BooleanField(_("现行版本"), default=False)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法律版本")
        verbose_name_plural = _("法律版本")
        ordering = ["law", "-version_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["law", "version_date"], name="laws_version_unique_date"
            ),
            models.UniqueConstraint(
                fields=["law"], condition=models.Q(is_current=True), name="laws_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.law.title}（{self.version_date:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        """The dated URL: it keeps showing this text after the law is amended again."""
        return reverse(
            "laws:version", kwargs={"key": self.law.key, "version_date": self.version_date}
        )


class Article(models.Model):
    """One article (条) of a law version, with the chapter and section it stands in.

    For a policy document it is one citable unit (a section with text of its own, a numbered
    item or a sub-item): ``label`` is its place (``二（一）1``), ``number`` that place encoded
    so that numbers sort in document order (``cms.laws.policies.unit_number``), and
    ``chapter``/``section`` are the part and section headings.
    """

    version = models.ForeignKey(
        LawVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="articles"
    )
    number = models.PositiveIntegerField(_("条号"))
    label = models.CharField(_("条名"), max_length=32, help_text=_("如“第四十二条”。"))
    chapter = models.CharField(_("章"), max_length=200, blank=True)
    section = models.CharField(_("节"), max_length=200, blank=True)
    text = models.TextField(_("条文"))

    class Meta:
        verbose_name = _("法条")
        verbose_name_plural = _("法条")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="laws_article_unique_number")
        ]

    def __str__(self) -> str:
        law = self.version.law
        if law.is_policy:
            return f"《{law.short_title}》{self.label}"
        return f"{law.short_title}{self.label}"

    def get_absolute_url(self) -> str:
        """The article's anchor on its version's page (select_related ``version__law``)."""
        return f"{self.version.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        """``art-42`` for an article; ``unit-2-1-1`` for a policy unit (its place in the text).

        Like ``get_absolute_url`` it reads ``version.law`` (select_related ``version__law``).
        """
        if self.version.law.is_policy:
            from .policies import unit_anchor

            return unit_anchor(self.number)
        return f"art-{self.number}"


class VersionAlignment(models.Model):
    """The stored alignment of two versions of one law, computed once when a version is
    imported (``cms.laws.services.version_alignment_store``) and read by the comparison page
    and the amendment review instead of aligning the texts on every request."""

    old_version = models.ForeignKey(
        LawVersion, verbose_name=_("原版本"), on_delete=models.CASCADE, related_name="+"
    )
    new_version = models.ForeignKey(
        LawVersion, verbose_name=_("新版本"), on_delete=models.CASCADE, related_name="+"
    )
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("版本对照")
        verbose_name_plural = _("版本对照")
        constraints = [
            models.UniqueConstraint(
                fields=["old_version", "new_version"], name="laws_alignment_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_version} → {self.new_version}"


class ArticleCorrespondence(models.Model):
    """One row of a stored alignment: an old article and its new counterpart (either may be
    missing: removed, added), in the comparison's row order, with the inline diff."""

    alignment = models.ForeignKey(
        VersionAlignment, on_delete=models.CASCADE, related_name="correspondences"
    )
    position = models.PositiveIntegerField(_("顺序"))
    old_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    new_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("变化"), max_length=16)
    similarity = models.FloatField(_("相似度"), default=0.0)
    diff = models.JSONField(_("差异"), default=list, blank=True)

    class Meta:
        verbose_name = _("法条对应")
        verbose_name_plural = _("法条对应")
        ordering = ["alignment", "position"]

    def __str__(self) -> str:
        return f"{self.old_article_id} → {self.new_article_id} ({self.status})"


class ParagraphCorrespondence(models.Model):
    """Where one paragraph (款) or numbered item (项) of an old article went: a new article
    and its paragraph/item (``new_article`` empty: the rule was not kept). Paragraph and
    item count from 1; item 0 is the paragraph itself (or its lead-in sentence)."""

    alignment = models.ForeignKey(
        VersionAlignment, on_delete=models.CASCADE, related_name="paragraphs"
    )
    old_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    old_paragraph = models.PositiveSmallIntegerField(_("原款"))
    old_item = models.PositiveSmallIntegerField(_("原项"), default=0)
    new_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    new_paragraph = models.PositiveSmallIntegerField(_("新款"), default=0)
    new_item = models.PositiveSmallIntegerField(_("新项"), default=0)
    similarity = models.FloatField(_("相似度"), default=0.0)

    class Meta:
        verbose_name = _("款项对应")
        verbose_name_plural = _("款项对应")
        ordering = ["alignment", "old_article", "old_paragraph", "old_item"]

    def __str__(self) -> str:
        return (
            f"{self.old_article_id}/{self.old_paragraph}/{self.old_item} → "
            f"{self.new_article_id}/{self.new_paragraph}/{self.new_item}"
        )
