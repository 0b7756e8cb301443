"""One rule for whether a question is sound, used by every path that creates or activates one.

Pure functions of the question's content (no database): the editor, ``question_create``, the
import, the bulk "cite" tool, status changes and the amendment review all ask here, so that no
path can put a question live that another path would refuse.

- ``structure_problems``: what makes the question unusable at all (a single choice with two
  keys, a true/false without an answer). Such a question is not saved, not even as a draft.
- ``activation_problems``: the structure problems plus what only an active question needs: a
  citation of at least one article that resolves in the law library. A question with only
  activation problems may be kept as a draft (待补充法条) and is never drawn into a paper.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

CHOICE_KINDS = frozenset({"single", "multiple"})

ERR_TOO_FEW_OPTIONS = _("选择题至少要有两个选项。")
ERR_EMPTY_OPTION = _("选项内容不能为空。")
ERR_SINGLE_CORRECT = _("单选题须有且只有一个正确选项。")
ERR_MULTIPLE_CORRECT = _("多选题须至少有两个正确选项。")
ERR_INDEFINITE_CORRECT = _("不定项选择题须至少有一个正确选项。")
ERR_TRUE_FALSE_ANSWER = _("判断题须写明答案（正确或错误）。")
ERR_EMPTY_STEM = _("题干不能为空。")
ERR_NO_CITATION = _("没有可解析的法条引用：试题须引用法条库中至少一条法条才能启用。")


def structure_problems(
    *,
    kind: str,
    stem_text: str,
    options: Sequence[tuple[str, bool]] = (),
    answer_true: bool | None = None,
    indefinite: bool = False,
) -> list[str]:
    """``options`` as (plain text, correct) pairs; empty for true/false and written answers."""
    problems: list[str] = []
    if not stem_text.strip():
        problems.append(str(ERR_EMPTY_STEM))
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            problems.append(str(ERR_TOO_FEW_OPTIONS))
        if any(not text.strip() for text, _correct in options):
            problems.append(str(ERR_EMPTY_OPTION))
        correct = sum(1 for _text, is_correct in options if is_correct)
        if kind == "single" and correct != 1:
            problems.append(str(ERR_SINGLE_CORRECT))
        elif kind == "multiple" and indefinite and correct < 1:
            problems.append(str(ERR_INDEFINITE_CORRECT))
        elif kind == "multiple" and not indefinite and correct < 2:
            problems.append(str(ERR_MULTIPLE_CORRECT))
    elif kind == "true_false" and answer_true is None:
        problems.append(str(ERR_TRUE_FALSE_ANSWER))
    return problems


def activation_problems(*, citations: int, **content) -> list[str]:
    """``citations``: how many citations resolve to an article in the library."""
    problems = structure_problems(**content)
    if citations < 1:
        problems.append(str(ERR_NO_CITATION))
    return problems
