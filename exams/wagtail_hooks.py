"""Admin registration of the question bank: the "题库" menu, its viewsets, pages and actions."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.snippets.models import register_snippet

from cms.admin_scoping import SCOPE_HOOK
from cms.people.selectors import people_visible_to

from . import admin_views, analysis_views, regrade_views
from .models import Attempt, Candidate, ExamSession
from .session_selectors import sessions_visible_to
from .viewsets import MENU_HOOK, QuestionViewSet, TopicViewSet

register_snippet(QuestionViewSet)


@hooks.register(SCOPE_HOOK)
def register_exam_scopes():
    def candidates_visible_to(user):
        return Candidate.objects.filter(user__in=people_visible_to(user).values("pk"))

    def attempts_visible_to(user):
        return Attempt.objects.filter(user__in=people_visible_to(user).values("pk"))

    return [
        (ExamSession, sessions_visible_to),
        (Candidate, candidates_visible_to),
        (Attempt, attempts_visible_to),
    ]


@hooks.register("register_admin_viewset")
def register_topic_viewset():
    return TopicViewSet("exams_topics")


class QuestionBankMenuItem(SubmenuMenuItem):
    """ "题库": shown when any of its items is (permission-based, see each item)."""


class QuestionImportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm("exams.add_question")


@hooks.register("register_admin_menu_item")
def register_question_bank_menu():
    return QuestionBankMenuItem(
        _("题库"),
        Menu(register_hook_name=MENU_HOOK),
        name="question-bank",
        icon_name="folder-open-inverse",
        order=300,
    )


@hooks.register(MENU_HOOK)
def register_import_menu_item():
    return QuestionImportMenuItem(
        _("导入试题"),
        reverse("exams_bank_import"),
        name="question-import",
        icon_name="upload",
        order=300,
    )


@hooks.register("register_admin_urls")
def register_question_bank_urls():
    return [
        path("exams/import/", admin_views.question_import, name="exams_bank_import"),
        path(
            "exams/import/template/",
            admin_views.question_import_template,
            name="exams_bank_import_template",
        ),
        path("exams/export/", admin_views.question_export, name="exams_bank_export"),
        path(
            "exams/amendments/<int:pk>/",
            admin_views.question_amendments,
            name="exams_bank_amendments",
        ),
        path("exams/regrade/key/<int:pk>/", regrade_views.key_correction, name="exams_regrade_key"),
        path(
            "exams/regrade/<int:pk>/<int:session_pk>/<slug:action>/",
            regrade_views.session_remedy,
            name="exams_regrade_remedy",
        ),
        path("exams/regrades/<int:pk>/", regrade_views.regrade_detail, name="exams_regrade"),
        path(
            "exams/questions/<int:pk>/statistics/",
            analysis_views.question_statistics_view,
            name="exams_question_statistics",
        ),
    ]


hooks.register("register_bulk_action", admin_views.RetireBulkAction)
hooks.register("register_bulk_action", admin_views.MoveBulkAction)
hooks.register("register_bulk_action", admin_views.CiteBulkAction)


@hooks.register("register_log_actions")
def register_question_log_actions(actions):
    actions.register_action("exams.question.edit", _("修改试题"), _("修改了试题"))
    actions.register_action("exams.question.retire", _("停用试题"), _("停用了试题"))
    actions.register_action("exams.question.move", _("移动试题"), _("将试题移动到其他知识点"))
    actions.register_action("exams.question.cite", _("补充法条"), _("为试题补充了引用法条"))
    actions.register_action(
        "exams.question.needs_review", _("标记待复核"), _("所引法条已修改，试题待复核")
    )
    actions.register_action("exams.question.reactivate", _("重新启用试题"), _("重新启用了试题"))
    actions.register_action(
        "exams.question.amendment_resolve",
        _("完成修法复核"),
        _("核对了答案与新法条，完成修法复核"),
    )
    actions.register_action("exams.questions.import", _("导入试题"), _("导入了试题"))
    actions.register_action(
        "exams.question.key_correct", _("更正答案"), _("更正了试题答案，并对已评分答卷重新评分")
    )
    actions.register_action(
        "exams.question.drop", _("该题不计分"), _("在一场考试中将该题从成绩中剔除")
    )
    actions.register_action(
        "exams.question.full_marks", _("该题全体给分"), _("在一场考试中该题全体考生得满分")
    )
    actions.register_action("exams.regrade.done", _("重新评分完成"), _("完成了重新评分"))
    actions.register_action("exams.attempt.regrade", _("重新评分"), _("答卷已重新评分"))
    actions.register_action("exams.attempt.start", _("开始答卷"), _("开始了答卷"))
    actions.register_action("exams.attempt.submit", _("交卷"), _("交卷并评分"))
    actions.register_action(
        "exams.attempt.expire", _("超时自动交卷"), _("答题时间已到，按已保存的作答交卷")
    )
    actions.register_action(
        "exams.attempt.force_submit", _("强制交卷"), _("考务管理员按已保存的作答强制交卷")
    )
    actions.register_action("exams.attempt.void", _("成绩作废"), _("作废了答卷成绩"))
    actions.register_action(
        "exams.attempt.reopen", _("重新开放作答"), _("因技术故障重新开放了答卷")
    )
    actions.register_action("exams.attempt.extend", _("延长答题时间"), _("延长了答题时间"))
    actions.register_action("exams.session.extend", _("整场延时"), _("为正在作答的考生延长了时间"))
    actions.register_action(
        "exams.session.extend_close", _("推迟考试截止时间"), _("推迟了考试截止时间")
    )


# --- The "考试" menu: blueprints and sessions (exams/session_admin.py) -------------------------


@hooks.register("register_admin_viewset")
def register_exam_viewsets():
    from .session_admin import ExamViewSetGroup

    return ExamViewSetGroup()


@hooks.register("register_log_actions")
def register_session_log_actions(actions):
    actions.register_action("exams.candidates.import", _("导入考生名单"), _("导入了考生名单"))
    actions.register_action("exams.candidate.update", _("修改考生安排"), _("修改了考生的特殊安排"))
    actions.register_action("exams.session.release_results", _("公布成绩"), _("公布了考试成绩"))
    actions.register_action("exams.marking.assign", _("指派阅卷人"), _("为考试指派了阅卷人"))
    actions.register_action("exams.marking.unassign", _("取消阅卷人"), _("取消了阅卷人的指派"))
    actions.register_action("exams.marking.mark", _("阅卷评分"), _("评阅了主观题答案"))
    actions.register_action("exams.attempt.mark", _("阅卷完成"), _("主观题评阅完毕，答卷计分"))

    actions.register_action(
        "exams.session.item_analysis", _("试题分析"), _("计算了本场考试的试题分析")
    )
