"""Admin forms of the question bank.

The question form edits a question and the content of its current version in one page. It
never writes: the admin views pass ``service_kwargs()`` to ``question_create`` /
``question_update`` (which decide whether a new version is needed), and ``save(commit=False)``
only attaches an unsaved version for the live preview.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from cms.laws.citations import CitationError, CitedPart, citation_format, citations_resolve_parts
from cms.laws.models import Article
from cms.uploads import UploadForm

from .formats.base import ParsedOption, RubricCriterion
from .formats.html import html_to_text, sanitize_html
from .formats.spreadsheet import (
    ERR_MARKED_OPTIONS,
    FALSE_WORDS,
    OPTION_LETTERS,
    TRUE_WORDS,
    parse_rubric,
    rubric_text,
)
from .models import MARKED_KINDS, Question, QuestionKind, QuestionStatus, QuestionVersion, Topic
from .selectors import topic_paths
from .services.questions import ERR_NOT_CONFIRMED, ERR_OPEN_FLAGS, question_problems
from .soundness import ERR_NO_CITATION

OPTION_FIELDS = [f"option_{letter.lower()}" for letter in OPTION_LETTERS]

ERR_OPTION_GAP = _("选项%(letter)s为空，但其后还有选项；选项须从 A 开始连续填写。")
ERR_TOO_FEW_OPTIONS = _("选择题至少需要 2 个选项。")
ERR_TF_OPTIONS = _("判断题不填写选项（选项固定为“对”“错”）。")
ERR_TF_ANSWER = _("判断题的答案应为“对”或“错”。")
ERR_ANSWER_LETTERS = _("答案应由已填写选项的字母组成，如“B”或“ACD”。")
ERR_SINGLE_ANSWER = _("单选题只能有一个正确答案。")
ERR_MULTI_ANSWER = _("多选题至少需要两个正确答案。")
ERR_CITE_NEEDS_CITATION = _("请填写要引用的法条，或为每道试题选择建议的法条。")


def _topic_choices(field: forms.ModelChoiceField) -> None:
    """Topics in tree order, labelled with their full paths ("行政法/行政许可")."""
    paths = topic_paths()
    field.queryset = Topic.objects.order_by("path")
    field.label_from_instance = lambda topic: paths.get(topic.pk, topic.name)


def _option_field(letter: str) -> forms.CharField:
    return forms.CharField(label=_("选项") + letter, required=False, max_length=1000)


class QuestionForm(WagtailAdminModelForm):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    stem = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 4}))
    answer = forms.CharField(
        label=_("答案"),
        max_length=8,
        help_text=_("选择题填写正确选项的字母，如“B”或“ACD”；判断题填写“对”或“错”。"),
    )
    explanation = forms.CharField(
        label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    difficulty = forms.TypedChoiceField(
        label=_("难度"),
        coerce=int,
        initial=3,
        choices=[(n, str(n)) for n in range(1, 6)],
        help_text=_("1 最易，5 最难。"),
    )
    option_a = _option_field("A")
    option_b = _option_field("B")
    option_c = _option_field("C")
    option_d = _option_field("D")
    option_e = _option_field("E")
    option_f = _option_field("F")
    option_g = _option_field("G")
    option_h = _option_field("H")
    citations = forms.CharField(
        label=_("引用法条"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "如“行政许可法第四十二条；行政处罚法第三十二条第一款第（二）项”，多条用分号分隔。"
            "启用的试题至少引用一条法条；没有法条的试题只能保存为草稿（待补充法条）。"
        ),
    )
    indefinite = forms.BooleanField(
        label=_("不定项选择题"),
        required=False,
        help_text=_("多选题中正确选项可以只有一个；计分与多选题相同。"),
    )

    model_answer = forms.CharField(
        label=_("参考答案"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("案例分析题、简答题：阅卷人评分时参照的答案要点。"),
    )
    rubric = forms.CharField(
        label=_("评分标准"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "案例分析题、简答题：每行一项，写作“评分要点|分值”。组卷时本题的分值按各项分值的比例分配。"
        ),
    )

    class Meta:
        model = Question
        fields = ["topic", "status", "name"]
        defer_required_on_fields = ["topic", "answer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and self.data.get("kind") in MARKED_KINDS:
            self.fields["answer"].required = False  # answered in writing: no key
        _topic_choices(self.fields["topic"])
        self.fields["status"].choices = self._status_choices()
        version = self.instance.current_version if self.instance.pk else None
        if version is not None and not self.is_bound:
            self.initial.update(self._initial_from(version))

    def _status_choices(self) -> list[tuple[str, str]]:
        """ "待复核" is set by law amendments and left only through the amendment review."""
        allowed = {QuestionStatus.DRAFT, QuestionStatus.ACTIVE}
        if self.instance.pk:
            allowed |= {QuestionStatus.RETIRED, self.instance.status}
        return [(value, label) for value, label in QuestionStatus.choices if value in allowed]

    def _check_open_flags(self, cleaned: dict) -> None:
        """Active with open amendment flags only when saved with resolving citations (all of
        the current version): the edit itself is then the review."""
        if (
            cleaned.get("status") == QuestionStatus.ACTIVE
            and self.instance.pk
            and self.instance.amendment_flags.filter(resolved_at__isnull=True).exists()
        ):
            articles = getattr(self, "articles", [])
            cited = [part.article for part in articles]
            if not cited or any(not a.version.is_current for a in cited):
                self.add_error("status", ERR_OPEN_FLAGS)

    @staticmethod
    def _initial_from(version: QuestionVersion) -> dict:
        initial = {
            "kind": version.kind,
            "stem": version.stem,
            "model_answer": version.model_answer,
            "rubric": rubric_text(
                RubricCriterion(c["criterion"], c["points"]) for c in version.rubric
            ),
            "explanation": version.explanation,
            "difficulty": version.difficulty,
            "indefinite": version.indefinite,
            "citations": "；".join(
                citation_format(c.article, c.paragraph, c.item)
                for c in version.citations.select_related("article__version__law")
            ),
        }
        if version.kind == QuestionKind.TRUE_FALSE:
            initial["answer"] = "对" if version.options and version.options[0]["correct"] else "错"
        elif version.kind in MARKED_KINDS:
            pass
        else:
            for name, option in zip(OPTION_FIELDS, version.options, strict=False):
                initial[name] = option["text"]
            initial["answer"] = "".join(
                OPTION_LETTERS[i] for i, o in enumerate(version.options) if o["correct"]
            )
        return initial

    def clean(self):
        cleaned = super().clean()
        self._check_open_flags(cleaned)
        kind = cleaned.get("kind")
        answer = "".join((cleaned.get("answer") or "").upper().split()).replace(",", "")
        texts = [cleaned.get(name, "").strip() for name in OPTION_FIELDS]
        if kind == QuestionKind.TRUE_FALSE:
            if any(texts):
                self.add_error(OPTION_FIELDS[0], ERR_TF_OPTIONS)
            if answer and answer not in TRUE_WORDS | FALSE_WORDS:
                self.add_error("answer", ERR_TF_ANSWER)
            cleaned["answer_true"] = answer in TRUE_WORDS
            cleaned["option_texts"] = []
        elif kind in MARKED_KINDS:
            if any(texts) or answer:
                self.add_error(OPTION_FIELDS[0], ERR_MARKED_OPTIONS)
            criteria, errors = parse_rubric(cleaned.get("rubric", ""))
            for error in errors:
                self.add_error("rubric", error)
            cleaned["rubric_criteria"] = criteria
            cleaned["option_texts"] = []
        elif kind:
            last = max((i for i, text in enumerate(texts) if text), default=-1)
            for i in range(last):
                if not texts[i]:
                    self.add_error(OPTION_FIELDS[i], ERR_OPTION_GAP % {"letter": OPTION_LETTERS[i]})
            if last < 1:
                self.add_error(OPTION_FIELDS[0], ERR_TOO_FEW_OPTIONS)
            letters = set(answer)
            if answer and not letters <= set(OPTION_LETTERS[: last + 1]):
                self.add_error("answer", ERR_ANSWER_LETTERS)
            elif kind == QuestionKind.SINGLE and len(letters) > 1:
                self.add_error("answer", ERR_SINGLE_ANSWER)
            elif (
                kind == QuestionKind.MULTIPLE
                and answer
                and len(letters) < 2
                and not cleaned.get("indefinite")
            ):
                self.add_error("answer", ERR_MULTI_ANSWER)
            cleaned["option_texts"] = texts[: last + 1]
            cleaned["correct_letters"] = letters
        if kind and not self.errors:
            self._check_soundness(cleaned)
        return cleaned

    def _check_soundness(self, cleaned: dict) -> None:
        """The one soundness rule (exams/soundness.py), as question_create and the import ask
        it: an active question needs a resolving citation; a draft may wait for one."""
        kwargs = self.service_kwargs()
        active = cleaned.get("status") == QuestionStatus.ACTIVE
        problems = question_problems(
            kind=kwargs["kind"],
            stem=kwargs["stem"],
            options=kwargs["options"],
            answer_true=kwargs["answer_true"],
            indefinite=kwargs["indefinite"],
            citations=len(kwargs["articles"]) if active else None,
        )
        for problem in problems:
            # The missing citation belongs to the citations field, in whatever language.
            field = "citations" if problem == str(ERR_NO_CITATION) else None
            self.add_error(field, problem)

    def clean_citations(self) -> str:
        text = self.cleaned_data.get("citations", "").strip()
        self.articles: list[CitedPart] = []
        if text:
            try:
                self.articles = citations_resolve_parts(text)
            except CitationError as exc:
                raise forms.ValidationError(exc.errors) from exc
        return text

    def _options(self) -> list[ParsedOption]:
        letters = self.cleaned_data.get("correct_letters", set())
        return [
            ParsedOption(text=text, correct=OPTION_LETTERS[i] in letters)
            for i, text in enumerate(self.cleaned_data.get("option_texts", []))
        ]

    def service_kwargs(self) -> dict:
        """The version content, as ``question_create`` / ``question_update`` take it."""
        tf = self.cleaned_data["kind"] == QuestionKind.TRUE_FALSE
        return {
            "kind": self.cleaned_data["kind"],
            "stem": self.cleaned_data["stem"],
            "options": [] if tf else self._options(),
            "answer_true": self.cleaned_data.get("answer_true") if tf else None,
            "explanation": self.cleaned_data.get("explanation", ""),
            "difficulty": self.cleaned_data.get("difficulty") or 3,
            "articles": getattr(self, "articles", []),
            "model_answer": self.cleaned_data.get("model_answer", "").strip(),
            "rubric": self.cleaned_data.get("rubric_criteria", []),
            "indefinite": bool(self.cleaned_data.get("indefinite"))
            and self.cleaned_data["kind"] == QuestionKind.MULTIPLE,
            "name": self.cleaned_data.get("name", ""),
        }

    def preview_version(self) -> QuestionVersion:
        """An unsaved version holding exactly what is in the form (for the preview only)."""
        kind = self.cleaned_data.get("kind") or QuestionKind.SINGLE
        if kind == QuestionKind.TRUE_FALSE:
            answer_true = bool(self.cleaned_data.get("answer_true"))
            options = [
                {"id": 1, "text": "对", "correct": answer_true},
                {"id": 2, "text": "错", "correct": not answer_true},
            ]
        else:
            options = [
                {"id": i, "text": sanitize_html(o.text), "correct": o.correct}
                for i, o in enumerate(self._options(), start=1)
            ]
        stem = sanitize_html(self.cleaned_data.get("stem", ""))
        version = QuestionVersion(
            kind=kind,
            stem=stem,
            stem_text=html_to_text(stem),
            options=options,
            explanation=sanitize_html(self.cleaned_data.get("explanation", "")),
            difficulty=self.cleaned_data.get("difficulty") or 3,
            indefinite=bool(self.cleaned_data.get("indefinite")),
            model_answer=self.cleaned_data.get("model_answer", ""),
            rubric=[
                {"criterion": c.criterion, "points": c.points}
                for c in self.cleaned_data.get("rubric_criteria", [])
            ],
        )
        version.preview_articles = [part.article for part in getattr(self, "articles", [])]
        return version

    def save(self, commit: bool = True) -> Question:
        """Only ``commit=False`` (the preview): the views save through the services."""
        if commit:
            raise NotImplementedError("Questions are saved with question_create/question_update.")
        instance = super().save(commit=False)
        instance.preview_version = self.preview_version()
        return instance


class QuestionMoveForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("移动到知识点"), queryset=Topic.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _topic_choices(self.fields["topic"])


class TopicForm(WagtailAdminModelForm):
    """Name plus, for a new topic, where it goes in the tree."""

    parent = forms.ModelChoiceField(
        label=_("上级知识点"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=_("留空则为一级知识点。"),
    )

    class Meta:
        model = Topic
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _topic_choices(self.fields["parent"])
        if self.instance.pk:
            del self.fields["parent"]


class QuestionImportForm(UploadForm):
    sheet_only = False  # GIFT, Moodle XML, Aiken and the others too

    file = forms.FileField(
        label=_("试题文件"),
        help_text=_("支持题库模板（xlsx/csv）、Moodle GIFT、Moodle XML 和 Aiken 格式。"),
    )
    topic = forms.ModelChoiceField(
        label=_("知识点"),
        queryset=Topic.objects.none(),
        required=False,
        help_text=_("选择后，所有试题都归入该知识点；留空则使用文件中的“知识点”列。"),
    )
    skip_duplicates = forms.BooleanField(
        label=_("跳过题库中已有的试题"),
        required=False,
        help_text=_("勾选后，与题库中已有试题相同的试题不再导入，只导入新增的试题。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _topic_choices(self.fields["topic"])


class AmendmentReviewForm(forms.Form):
    """The reviewer's decision on a question whose cited articles were amended.

    Per flagged citation, the current article that now carries the rule (or dropping the
    citation): nothing is chosen in advance, the suggestion is only listed first. And one
    explicit statement that the key is still right under the new articles. The service
    (``question_resolve_amendment``) refuses whatever would put an unsound question live.
    """

    DROP = "drop"

    confirmed = forms.BooleanField(
        label=_("已核对答案与新法条一致"),
        required=True,
        error_messages={"required": ERR_NOT_CONFIRMED},
        help_text=_("题干、答案和解析保持不变；如需修改，请编辑试题。"),
    )

    def __init__(self, *args, flags, **kwargs):
        super().__init__(*args, **kwargs)
        self.flags = list(flags)
        laws = {flag.old_article.version.law_id for flag in self.flags}
        current = (
            Article.objects.filter(version__law__in=laws, version__is_current=True)
            .select_related("version__law")
            .order_by("number")
        )
        by_law: dict[int, list[Article]] = {}
        for article in current:
            by_law.setdefault(article.version.law_id, []).append(article)
        self.articles = {article.pk: article for article in current}
        for flag in self.flags:
            law_articles = by_law.get(flag.old_article.version.law_id, [])
            choices = [("", str(_("— 请选择 —")))]
            if flag.suggested_article_id in self.articles:
                suggested = self.articles[flag.suggested_article_id]
                label = _("建议：%(label)s") % {"label": flag.suggested_label}
                choices.append((str(suggested.pk), f"{label} {suggested.text[:30]}"))
            choices += [
                (str(a.pk), f"{a.label} {a.text[:40]}")
                for a in law_articles
                if a.pk != flag.suggested_article_id
            ]
            choices.append((self.DROP, str(_("删除该引用"))))
            self.fields[self.field_name(flag)] = forms.ChoiceField(
                label=_("%(article)s 改为引用") % {"article": flag.old_label}, choices=choices
            )
        self.order_fields([self.field_name(flag) for flag in self.flags] + ["confirmed"])

    @staticmethod
    def field_name(flag) -> str:
        return f"flag_{flag.pk}"

    def replacements(self) -> dict[int, Article | None]:
        result = {}
        for flag in self.flags:
            value = self.cleaned_data[self.field_name(flag)]
            result[flag.old_article_id] = None if value == self.DROP else self.articles[int(value)]
        return result


class RegradeConfirmForm(forms.Form):
    """The reason for a key correction, a dropped question or full marks (required)."""

    reason = forms.CharField(
        label=_("理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "将记入审计记录，并在成绩更正通知中告知考生，如“原答案与行政许可法第四十二条不符”。"
        ),
    )


class QuestionCiteForm(forms.Form):
    """The bulk "cite" tool: one citation for every selected question, and per question the
    suggestions found by wording, of which one may be accepted instead."""

    COMMON = "common"

    citation = forms.CharField(
        label=_("引用法条"),
        required=False,
        help_text=_("用于下方选择“使用上面的法条”的试题，如“行政处罚法第三十二条第一款”。"),
    )
    activate = forms.BooleanField(
        label=_("同时启用符合要求的草稿"),
        required=False,
        help_text=_("补充法条后题干、选项、答案和法条均符合要求的草稿将被启用，可以抽入试卷。"),
    )

    def __init__(self, *args, questions=(), suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.suggestions = suggestions or {}
        for question in self.questions:
            choices = [(self.COMMON, str(_("使用上面的法条")))]
            choices += [
                (str(s.article.pk), f"{s.article}：{s.article.text[:60]}")
                for s in self.suggestions.get(question.pk, [])
            ]
            choices.append(("", str(_("不补充"))))
            self.fields[self.field_name(question)] = forms.ChoiceField(
                label=str(question),
                choices=choices,
                initial=self.COMMON,
                required=False,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(question) -> str:
        return f"cite_{question.pk}"

    def rows(self):
        return [
            (q, self[self.field_name(q)], self.suggestions.get(q.pk, [])) for q in self.questions
        ]

    def clean_citation(self) -> list[CitedPart]:
        text = self.cleaned_data.get("citation", "").strip()
        if not text:
            return []
        try:
            return citations_resolve_parts(text)
        except CitationError as exc:
            raise forms.ValidationError(exc.errors) from exc

    def clean(self):
        cleaned = super().clean()
        if "citation" in self.errors:
            return cleaned
        common = cleaned.get("citation") or []
        wants_common = any(cleaned.get(self.field_name(q)) == self.COMMON for q in self.questions)
        if wants_common and not common:
            self.add_error("citation", ERR_CITE_NEEDS_CITATION)
        return cleaned

    def citations(self) -> dict[int, list[CitedPart]]:
        """Question pk -> the parts to add (questions left without one are not listed)."""
        common = self.cleaned_data.get("citation") or []
        offered = {s.article.pk: s.article for items in self.suggestions.values() for s in items}
        result = {}
        for question in self.questions:
            value = self.cleaned_data.get(self.field_name(question))
            if value == self.COMMON and common:
                result[question.pk] = list(common)
            elif value and value.isdigit() and int(value) in offered:
                result[question.pk] = [CitedPart(offered[int(value)])]
        return result
