"""Audit actions of the exam app, shown in the Wagtail admin's history views."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

ACTIONS = {
    "exams.question.edit": _("修改试题"),
    "exams.question.retire": _("停用试题"),
    "exams.question.move": _("移动试题"),
    "exams.question.needs_review": _("因修法标记待复核"),
    "exams.question.reactivate": _("复核后重新启用"),
    "exams.questions.import": _("导入试题"),
}


@hooks.register("register_log_actions")
def register_exam_log_actions(actions):
    for action, label in ACTIONS.items():
        actions.register_action(action, label, label)
