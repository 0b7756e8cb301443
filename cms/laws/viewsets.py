"""Admin viewsets of the law library: the article chooser and the read-only library listing.

Laws change only through ``manage.py import_laws`` (the official texts are the source of
truth), so the admin listing offers no add/edit/delete.
"""

from __future__ import annotations

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from .models import Article, LawKind, LawVersion
from .numerals import chinese_to_int
from .policies import unit_citation_parse, unit_number

ARTICLE_NUMBER_RE_CHARS = "零〇一二三四五六七八九十百千两0123456789"
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class ArticleSearchFilterForm(BaseFilterForm):
    """Search articles by law short title, article number/label and text (all terms must match)."""

    q = forms.CharField(
        label=_("搜索"),
        widget=forms.TextInput(attrs={"placeholder": _("法律简称、条号或条文关键词")}),
        required=False,
    )
    all_versions = forms.BooleanField(label=_("包括历史版本"), required=False)

    def filter(self, objects: QuerySet[Article]) -> QuerySet[Article]:
        objects = super().filter(objects)
        if not self.cleaned_data.get("all_versions"):
            objects = objects.filter(version__is_current=True)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            for term in query.split():
                objects = objects.filter(article_term_q(term))
        return objects


def article_term_q(term: str) -> Q:
    """One search term matches a law title, an article label/number or the article text."""
    condition = (
        Q(version__law__short_title__icontains=term)
        | Q(version__law__title__icontains=term)
        | Q(label=term)
        | Q(text__icontains=term)
    )
    stripped = term.removeprefix("第").removesuffix("条")
    if stripped and all(ch in ARTICLE_NUMBER_RE_CHARS for ch in stripped):
        try:
            condition |= Q(number=chinese_to_int(stripped))
        except ValueError:
            pass
    # "行政许可法第四十二条": a law name glued to an article label.
    if "第" in term and term.endswith("条") and not term.startswith("第"):
        law_part, _sep, label_part = term.partition("第")
        condition |= Q(version__law__short_title__icontains=law_part) & Q(label=f"第{label_part}")
    # "二(一)1", "第二部分第（一）项第1点": a unit of a policy document, however it is written.
    path = unit_citation_parse(term.translate(FULLWIDTH_DIGITS))
    if path is not None:
        condition |= Q(version__law__kind=LawKind.POLICY, number=unit_number(path))
    return condition


class ArticleChooseViewMixin:
    """Search form and columns that show which law and version an article belongs to."""

    filter_form_class = ArticleSearchFilterForm
    ordering = ["version__law__category", "version__law__title", "-version__version_date", "number"]

    @property
    def columns(self) -> list[Column]:
        return [
            self.title_column,
            Column("law", label=_("法律法规"), accessor=lambda a: a.version.law.short_title),
            Column("version", label=_("版本"), accessor=_version_label),
            Column("excerpt", label=_("条文"), accessor=lambda a: Truncator(a.text).chars(60)),
        ]


def _version_label(article: Article) -> str:
    version = article.version
    label = f"{version.version_date:%Y-%m-%d}"
    return f"{label}（{_('现行')}）" if version.is_current else label


class ArticleChooseView(ArticleChooseViewMixin, chooser_views.ChooseView):
    pass


class ArticleChooseResultsView(ArticleChooseViewMixin, chooser_views.ChooseResultsView):
    pass


class ArticleChooserViewSet(ChooserViewSet):
    """Lets course pages and questions pick an article of a law version."""

    unscoped_reason = "the public law library; no personal data"

    model = Article
    icon = "doc-full"
    choose_one_text = _("选择法条")
    choose_another_text = _("更换法条")
    edit_item_text = _("查看法条")
    page_title = _("选择法条")
    per_page = 20
    choose_view_class = ArticleChooseView
    choose_results_view_class = ArticleChooseResultsView

    def get_object_list(self) -> QuerySet[Article]:
        return Article.objects.select_related("version__law")


article_chooser_viewset = ArticleChooserViewSet("law_article_chooser")


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody adds, changes or deletes through the admin."""

    WRITE_ACTIONS = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action: str) -> bool:
        return action not in self.WRITE_ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(
            [action for action in actions if action not in self.WRITE_ACTIONS]
        )


class LawVersionViewSet(ModelViewSet):
    """Read-only listing of every law version in the library ("法律法规库" menu item)."""

    unscoped_reason = "the public law library; no personal data"
    model = LawVersion
    icon = "doc-full-inverse"
    menu_label = _("法律法规库")
    add_to_admin_menu = True
    menu_order = 850
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        TitleColumn(
            "law",
            label=_("名称"),
            accessor=lambda v: v.law.title,
            get_url=lambda v: v.get_absolute_url(),
        ),
        Column("category", label=_("类别"), accessor=lambda v: v.law.category),
        "version_date",
        "is_current",
        Column("article_count", label=_("条数"), accessor="article_count"),
    ]
    list_filter = ["law__category", "is_current"]
    search_fields = ["law__title", "law__short_title"]
    search_backend_name = None
    ordering = ["law__category", "law__title", "-version_date"]
    inspect_view_fields = ["law", "version_date", "is_current", "source_file", "history"]
    exclude_form_fields = []

    def get_queryset(self, request) -> QuerySet[LawVersion]:
        return LawVersion.objects.select_related("law").annotate(article_count=Count("articles"))


law_version_viewset = LawVersionViewSet("law_versions")
