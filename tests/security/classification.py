"""How every URL pattern must behave, by role: the permission matrix's table.

Keys are the full route strings as the URL resolver builds them (``str`` of each pattern,
concatenated through the includes; a route string that occurs twice gets " #2"). A URL
pattern missing from this table fails ``test_every_url_pattern_is_classified``; an entry
whose pattern no longer exists fails ``test_classification_has_no_stale_entries``.

Access kinds:

- ``public``: anyone may open it; what it shows is still checked (no personal details of
  anyone but the viewer; ``holder_name``: the name of the document's holder, as public
  verification shows it).
- ``login``: any signed-in person; anonymous requests go to the login page. ``own``: the
  object (an attempt, a certificate) must be the viewer's own, anyone else's is refused.
- ``staff``: the listed roles (superusers always); every other role is refused. ``scoped``:
  an object outside the viewer's org subtree (or, for jobs, not the viewer's own) is refused.
- ``superuser``: superusers only.
- ``token``: the exam autosave endpoint, authenticated by the signed attempt token only.
- ``shadowed``: an earlier pattern serves this route (the test checks that it really does).
- ``gone``: must not be served (404, or a redirect to allauth's login) and must not sign
  anyone in.

``targets`` names the kind of object in ``world.targets`` that fills the path parameters.
Every pattern of a kind that changes data is also POSTed to, with an empty body, as every
role that must be refused: the request must be refused and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTENT = frozenset({"author", "reviewer"})
EXAM = frozenset({"exam_admin_city", "exam_admin_district"})
HR = frozenset({"hr_city", "hr_district"})
LEGAL = frozenset({"legal_city", "legal_district"})
MARKER = frozenset({"marker"})
# Markers are staff for the front office's marking pages only (no Wagtail admin access).
ALL_STAFF = CONTENT | EXAM | HR | LEGAL


@dataclass(frozen=True)
class Rule:
    access: str
    roles: frozenset = frozenset()
    targets: str | None = None
    scoped: bool = False
    own: bool = False
    holder_name: bool = False
    post: bool = True

    def allows(self, role: str) -> bool:
        """Whether the role may use this URL at all (objects' scope aside)."""
        if self.access == "public":
            return True
        if role == "anonymous":
            return False
        if self.access == "login":
            return True
        if role == "superuser":
            return self.access in ("staff", "superuser")
        if self.access == "staff":
            return role in self.roles
        return False


def public(targets=None, **kw) -> Rule:
    return Rule("public", targets=targets, post=False, **kw)


def login(targets=None, **kw) -> Rule:
    return Rule("login", targets=targets, **kw)


def staff(*groups, targets=None, scoped=False, **kw) -> Rule:
    roles = frozenset().union(*groups) if groups else ALL_STAFF
    return Rule("staff", roles=roles, targets=targets, scoped=scoped, **kw)


def superuser(targets=None) -> Rule:
    return Rule("superuser", targets=targets)


def shadowed(targets=None) -> Rule:
    return Rule("shadowed", targets=targets, post=False)


SHADOWED = shadowed()
GONE = Rule("gone")
TOKEN = Rule("token", targets="attempt")


def viewset(prefix: str, suffixes: str, *, index: Rule, obj: Rule) -> dict[str, Rule]:
    """Entries for a Wagtail model/snippet viewset; ``suffixes`` lists its routes exactly."""
    table = {}
    for suffix in suffixes.split():
        suffix = "" if suffix == "." else suffix
        table[prefix + suffix] = obj if "<" in suffix else index
    return table


MODEL_VIEWSET = ". results/ new/ edit/<int:pk>/ delete/<int:pk>/ history/<int:pk>/ "
MODEL_VIEWSET += "history-results/<int:pk>/ usage/<int:pk>/"

CLASSIFICATION: dict[str, Rule] = {
    # --- the root: logins ------------------------------------------------------------------
    "admin/login/": public(),  # sends to allauth's login page
    "admin/login/ #2": SHADOWED,  # Wagtail's own login form
    "admin/account/": staff(),  # Wagtail's account page, with the single-name panel
    "admin/account/ #2": SHADOWED,
    "_util/login/": GONE,  # hands over to allauth's login; must not sign anyone in
    "_util/login/ #2": SHADOWED,  # Wagtail's front-end login form
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": public(
        "page_restriction"
    ),
    "^((?:[\\w\\-]+/)*)$": public("page_url"),
    # --- the Wagtail admin's shell ---------------------------------------------------------
    "admin/": staff(),
    "admin/test404/": staff(),
    "admin/failwhale/": GONE,  # Wagtail's deliberate crash page: answers 404
    "admin/failwhale/ #2": SHADOWED,
    "admin/^.*/$": staff(targets="admin_missing"),
    "admin/logout/": staff(post=False),
    "admin/dismissibles/": staff(),
    "admin/sprite/": public(),
    "admin/jsi18n/": public(),
    "admin/block-preview/": staff(),
    "admin/password_reset/": public(),
    "admin/password_reset/done/": public(),
    "admin/password_reset/confirm/<uidb64>/<token>/": public("reset_token"),
    "admin/password_reset/complete/": public(),
    "admin/editing-sessions/ping/<str:app_label>/<str:model_name>/<str:object_id>/<int:session_id>/": staff(  # noqa: E501
        targets="editing_session"
    ),
    "admin/editing-sessions/release/<int:session_id>/": staff(targets="editing_session"),
    "admin/tag-autocomplete/": staff(),
    "admin/tag-autocomplete/<slug:app_name>/<slug:model_name>/": staff(targets="tag_model"),
    "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/": staff(targets="bulk", scoped=True),
    # --- the admin API (page explorer, choosers) --------------------------------------------
    "admin/api/main/^pages/": staff(),
    "admin/api/main/^pages/<int:pk>/": staff(targets="page"),
    "admin/api/main/^pages/find/": staff(),
    "admin/api/main/^pages/<int:pk>/action/<str:action_name>/": staff(targets="page_action"),
    "admin/api/main/^documents/": staff(),
    "admin/api/main/^documents/<int:pk>/": staff(targets="document"),
    "admin/api/main/^documents/find/": staff(),
    "admin/api/main/^images/": staff(),
    "admin/api/main/^images/<int:pk>/": staff(targets="image"),
    "admin/api/main/^images/find/": staff(),
    # --- pages ------------------------------------------------------------------------------
    "admin/pages/": staff(),
    "admin/pages/<int:parent_page_id>/": staff(targets="parent_page"),
    "admin/pages/<int:parent_page_id>/results/": staff(targets="parent_page"),
    "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/": staff(  # noqa: E501
        targets="page_add"
    ),
    "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/<int:parent_page_id>/preview/": staff(  # noqa: E501
        targets="page_add"
    ),
    "admin/pages/usage/<slug:content_type_app_name>/<slug:content_type_model_name>/": staff(
        targets="page_type"
    ),
    "admin/pages/create/<slug:app_label>/<slug:model_name>": staff(targets="page_type_create"),
    "admin/pages/usage/<slug:content_type_app_name>/<slug:content_type_model_name>/results/": staff(  # noqa: E501
        targets="page_type"
    ),
    "admin/pages/search/": staff(),
    "admin/pages/search/results/": staff(),
    "admin/pages/<int:page_to_move_id>/move/": staff(targets="page_move"),
    "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/": staff(
        targets="page_move_confirm"
    ),
    "admin/pages/<int:page_to_move_id>/set_position/": staff(targets="page_move"),
    "admin/pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/": staff(
        targets="workflow_action"
    ),
    "admin/pages/workflow/collect_action_data/<int:page_id>/<slug:action_name>/<int:task_state_id>/": staff(  # noqa: E501
        targets="workflow_action"
    ),
    "admin/pages/workflow/confirm_cancellation/<int:page_id>/": staff(targets="page_id"),
    "admin/pages/workflow/preview/<int:page_id>/<int:task_id>/": staff(targets="workflow_preview"),
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/view/": staff(targets="revision"),
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/revert/": staff(targets="revision"),
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/unschedule/": staff(targets="revision"),
    "admin/pages/^(?P<pk>\\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\.(?P<revision_id_b>live|latest|\\d+)/$": staff(  # noqa: E501
        targets="revision_compare"
    ),
    "admin/pages/<int:page_id>/workflow_history/detail/<int:workflow_state_id>/": staff(
        targets="workflow_state"
    ),
    **{
        f"admin/pages/<int:page_id>/{suffix}": staff(targets="page_id")
        for suffix in (
            "usage/ edit/ edit/preview/ view_draft/ delete/ unpublish/ convert_alias/ copy/ "
            "privacy/ lock/ unlock/ revisions/ workflow_history/ history/ history/results/"
        ).split()
    },
    "admin/pages/<int:parent_page_id>/add_subpage/": staff(targets="parent_page"),
    # --- choosers (Wagtail serves them to every admin user; they list content, not people) ---------------------------------------------------------------------------
    "admin/choose-page/": staff(),
    "admin/choose-page/<int:parent_page_id>/": staff(targets="parent_page"),
    "admin/choose-page/search/": staff(),
    "admin/choose-page/chosen-multiple/": staff(),
    "admin/choose-external-link/": staff(),
    "admin/choose-email-link/": staff(),
    "admin/choose-phone-link/": staff(),
    "admin/choose-anchor-link/": staff(),
    "admin/embeds/chooser/": staff(),
    "admin/embeds/chooser/upload/": staff(),
    "admin/documents/chooser/": staff(),
    "admin/documents/chooser/results/": staff(),
    "admin/documents/chooser/chosen/<str:pk>/": staff(targets="document"),
    "admin/documents/chooser/chosen-multiple/": staff(),
    "admin/documents/chooser/create/": staff(),
    "admin/images/chooser/": staff(),
    "admin/images/chooser/results/": staff(),
    "admin/images/chooser/chosen/<str:pk>/": staff(targets="image"),
    "admin/images/chooser/chosen-multiple/": staff(),
    "admin/images/chooser/create/": staff(),
    "admin/images/chooser/<int:image_id>/select_format/": staff(targets="image_id"),
    "admin/snippets/": staff(EXAM),
    "admin/snippets/choose/exams/question/": staff(),
    "admin/snippets/choose/exams/question/results/": staff(),
    "admin/snippets/choose/exams/question/chosen/<str:pk>/": staff(targets="question"),
    "admin/snippets/choose/exams/question/chosen-multiple/": staff(),
    "admin/snippets/choose/exams/question/create/": staff(),
    "admin/law_article_chooser/": staff(),
    "admin/law_article_chooser/results/": staff(),
    "admin/law_article_chooser/chosen/<str:pk>/": staff(targets="article"),
    "admin/law_article_chooser/chosen-multiple/": staff(),
    "admin/law_article_chooser/create/": staff(),
    # --- Wagtail settings areas: superusers ---------------------------------------------------
    "admin/collections/": superuser(),
    "admin/collections/add/": superuser(),
    "admin/collections/<int:pk>/": superuser("collection"),
    "admin/collections/<int:pk>/delete/": superuser("collection"),
    "admin/collections/<int:collection_id>/privacy/": superuser("collection_id"),
    "admin/workflows/list/": superuser(),
    "admin/workflows/list/results/": superuser(),
    "admin/workflows/add/": superuser(),
    "admin/workflows/enable/<int:pk>/": superuser("workflow"),
    "admin/workflows/disable/<int:pk>/": superuser("workflow"),
    "admin/workflows/edit/<int:pk>/": superuser("workflow"),
    "admin/workflows/usage/<int:pk>/": superuser("workflow"),
    "admin/workflows/usage/<int:pk>/results/": superuser("workflow"),
    "admin/workflows/remove/<int:page_pk>/": superuser("workflow_remove_page"),
    "admin/workflows/remove/<int:page_pk>/<int:workflow_pk>/": superuser("workflow_remove"),
    "admin/workflows/tasks/add/<str:app_label>/<str:model_name>/": superuser("task_type"),
    "admin/workflows/tasks/select_type/": superuser(),
    "admin/workflows/tasks/index/": superuser(),
    "admin/workflows/tasks/index/results/": superuser(),
    "admin/workflows/tasks/edit/<int:pk>/": superuser("task"),
    "admin/workflows/tasks/disable/<int:pk>/": superuser("task"),
    "admin/workflows/tasks/enable/<int:pk>/": superuser("task"),
    # Wagtail serves the task chooser to every admin user (it lists task names only).
    "admin/workflows/task_chooser/": staff(),
    "admin/workflows/task_chooser/results/": staff(),
    "admin/workflows/task_chooser/create/": staff(),
    "admin/workflows/task_chooser/<int:task_id>/": staff(targets="task_id"),
    "admin/forms/": staff(),  # lists the form pages the user may edit (there are none)
    "admin/forms/results/": staff(),
    "admin/forms/submissions/<int:page_id>/": superuser("page_id"),
    "admin/forms/submissions/<int:page_id>/results/": superuser("page_id"),
    "admin/forms/submissions/<int:page_id>/delete/": superuser("page_id"),
    "admin/redirects/": superuser(),
    "admin/redirects/results/": superuser(),
    "admin/redirects/add/": superuser(),
    "admin/redirects/<int:redirect_id>/": superuser("redirect_id"),
    "admin/redirects/<int:redirect_id>/delete/": superuser("redirect_id"),
    "admin/redirects/import/": superuser(),
    "admin/redirects/import/process/": superuser(),
    "admin/settings/<slug:app_name>/<slug:model_name>/": superuser("setting"),
    "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/": superuser("setting_pk"),
    "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/preview/": superuser("setting_pk"),
    **viewset(
        "admin/sites/", MODEL_VIEWSET + " copy/<int:pk>/", index=superuser(), obj=superuser("site")
    ),
    **viewset("admin/groups/", MODEL_VIEWSET, index=superuser(), obj=superuser("group")),
    # --- reports ----------------------------------------------------------------------------
    "admin/reports/locked/": staff(),
    "admin/reports/locked/results/": staff(),
    "admin/reports/workflow/": staff(),
    "admin/reports/workflow/results/": staff(),
    "admin/reports/workflow_tasks/": staff(),
    "admin/reports/workflow_tasks/results/": staff(),
    "admin/reports/aging-pages/": staff(),
    "admin/reports/aging-pages/results/": staff(),
    "admin/reports/page-types-usage/": staff(),
    "admin/reports/page-types-usage/results/": staff(),
    # Every admin user may open the site history; it must show only actions on objects in
    # the viewer's scope (a scoped override of Wagtail's report serves these routes).
    "admin/reports/site-history/": staff(),
    "admin/reports/site-history/results/": staff(),
    "admin/reports/site-history/ #2": SHADOWED,
    "admin/reports/site-history/results/ #2": SHADOWED,
    "admin/pages/<int:page_id>/history/ #2": shadowed("page_id"),
    "admin/pages/<int:page_id>/history/results/ #2": shadowed("page_id"),
    # --- documents and images ------------------------------------------------------------------
    "admin/documents/": staff(),
    "admin/documents/results/": staff(),
    "admin/documents/add/": staff(),
    "admin/documents/edit/<int:document_id>/": staff(targets="document_id"),
    "admin/documents/delete/<int:document_id>/": staff(targets="document_id"),
    "admin/documents/multiple/add/": staff(),
    "admin/documents/multiple/<int:doc_id>/": staff(targets="doc_id"),
    "admin/documents/multiple/create_from_uploaded_document/<int:uploaded_file_id>/": staff(
        targets="uploaded_file"
    ),
    "admin/documents/multiple/<int:doc_id>/delete/": staff(targets="doc_id"),
    "admin/documents/multiple/delete_upload/<int:uploaded_file_id>/": staff(
        targets="uploaded_file"
    ),
    "admin/documents/usage/<int:document_id>/": staff(targets="document_id"),
    "admin/images/": staff(),
    "admin/images/results/": staff(),
    "admin/images/<int:image_id>/": staff(targets="image_id"),
    "admin/images/<int:image_id>/delete/": staff(targets="image_id"),
    "admin/images/<int:image_id>/generate_url/": staff(targets="image_id"),
    "admin/images/<int:image_id>/generate_url/output/": staff(targets="image_id"),
    "admin/images/<int:image_id>/preview/<str:filter_spec>/": staff(targets="image_preview"),
    "admin/images/add/": staff(),
    "admin/images/usage/<int:image_id>/": staff(targets="image_id"),
    "admin/images/multiple/add/": staff(),
    "admin/images/multiple/<int:image_id>/": staff(targets="image_id"),
    "admin/images/multiple/create_from_uploaded_image/<int:uploaded_file_id>/": staff(
        targets="uploaded_file"
    ),
    "admin/images/multiple/<int:image_id>/delete/": staff(targets="image_id"),
    "admin/images/multiple/delete_upload/<int:uploaded_file_id>/": staff(targets="uploaded_file"),
    # --- people (HR; legal affairs and exam administrators read) ---------------------------
    "admin/people/roster/": staff(HR),
    "admin/people/roster/confirm/": staff(HR),
    "admin/people/roster/template/": staff(HR),
    **viewset(
        "admin/users/",
        MODEL_VIEWSET,
        index=staff(HR | LEGAL),
        obj=staff(HR | LEGAL, targets="user", scoped=True),
    ),
    **viewset(
        "admin/orgunit/",
        MODEL_VIEWSET,
        index=staff(HR | LEGAL | EXAM),
        obj=staff(HR | LEGAL | EXAM, targets="orgunit", scoped=True),
    ),
    **viewset(
        "admin/roleassignment/",
        MODEL_VIEWSET,
        index=staff(HR),
        obj=staff(HR, targets="roleassignment", scoped=True),
    ),
    # --- learning (HR) ------------------------------------------------------------------------
    "admin/learning/training/": staff(HR),
    "admin/learning/training/confirm/": staff(HR),
    "admin/learning/training/template/": staff(HR),
    **viewset(
        "admin/learning_entries/",
        MODEL_VIEWSET + " inspect/<int:pk>/ copy/<int:pk>/",
        index=staff(HR),
        obj=staff(HR, targets="studyhourentry", scoped=True),
    ),
    **viewset(
        "admin/learning_requirements/",
        MODEL_VIEWSET + " copy/<int:pk>/",
        index=staff(HR),
        obj=staff(HR, targets="studyrequirement"),
    ),
    **viewset(
        "admin/learning_unit_courses/",
        MODEL_VIEWSET + " copy/<int:pk>/",
        index=staff(HR),
        obj=staff(HR, targets="courseunit", scoped=True),
    ),
    # --- laws (read-only in the admin) ------------------------------------------------------
    **viewset(
        "admin/law_versions/",
        MODEL_VIEWSET + " inspect/<int:pk>/",
        index=staff(EXAM | CONTENT),
        obj=staff(EXAM | CONTENT, targets="lawversion"),
    ),
    # --- exams (exam administrators) ------------------------------------------------------------
    "admin/exams/import/": staff(EXAM),
    "admin/exams/import/template/": staff(EXAM),
    "admin/exams/export/": staff(EXAM),
    "admin/exams/amendments/<int:pk>/": staff(EXAM, targets="question"),
    # Key correction (its dry run follows an edit kept in the session: without one it leads
    # back to the editor), a session's drop / full marks, and a regrade's progress page.
    "admin/exams/regrade/key/<int:pk>/": staff(EXAM, targets="question"),
    "admin/exams/regrade/<int:pk>/<int:session_pk>/<slug:action>/": staff(
        EXAM, targets="regrade_remedy", scoped=True
    ),
    "admin/exams/regrades/<int:pk>/": staff(EXAM, targets="regrade", scoped=True),
    **viewset(
        "admin/exams/questions/",
        ". results/ add/ edit/<int:pk>/ delete/<int:pk>/ usage/<int:pk>/ history/<int:pk>/ "
        "history-results/<int:pk>/ preview/ preview/<int:pk>/",
        index=staff(EXAM),
        obj=staff(EXAM, targets="question"),
    ),
    **viewset(
        "admin/exams/topics/", MODEL_VIEWSET, index=staff(EXAM), obj=staff(EXAM, targets="topic")
    ),
    **viewset(
        "admin/exams/blueprints/",
        MODEL_VIEWSET,
        index=staff(EXAM),
        obj=staff(EXAM, targets="blueprint"),
    ),
    **viewset(
        "admin/exams/sessions/",
        MODEL_VIEWSET,
        index=staff(EXAM),
        obj=staff(EXAM, targets="session", scoped=True),
    ),
    "admin/exams/sessions/<int:pk>/candidates/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/candidates/import/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/candidates/template/": staff(EXAM),
    "admin/exams/sessions/<int:pk>/results/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/results/export/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/results/release/": staff(EXAM, targets="session", scoped=True),
    # The spread of expected scores across the session's papers (drawn and simulated).
    "admin/exams/sessions/<int:pk>/papers/": staff(EXAM, targets="session", scoped=True),
    # Item analysis: the page, the compute button (POST), its progress, the workbook; and a
    # question's figures across the sessions the viewer manages.
    "admin/exams/sessions/<int:pk>/analysis/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/analysis/compute/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/analysis/progress/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/analysis/export/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/questions/<int:pk>/statistics/": staff(EXAM, targets="question"),
    # Exam day: the live monitor, its table part, the whole session's extension, and the
    # actions on one attempt (GET: the form; POST: the transition service).
    "admin/exams/sessions/<int:pk>/monitor/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/monitor/table/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/monitor/extend/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/<int:pk>/marking/": staff(EXAM, targets="session", scoped=True),
    "admin/exams/sessions/attempts/<int:attempt_id>/<slug:action>/": staff(
        EXAM, targets="attempt_action", scoped=True
    ),
    "exams/staff/attempt/<int:attempt_id>/": staff(EXAM, targets="attempt", scoped=True),
    # Marking: markers see the sessions they are assigned to (the in-scope target), nothing else.
    "exams/marking/": staff(MARKER),
    "exams/marking/session/<int:session_id>/": staff(
        MARKER, targets="marking_session", scoped=True
    ),
    "exams/marking/answer/<int:slot_id>/": staff(MARKER, targets="marking_answer", scoped=True),
    # --- credentials (legal affairs) ----------------------------------------------------------
    "admin/credentials/": staff(LEGAL),
    "admin/credentials/<int:pk>/": staff(LEGAL, targets="credential", scoped=True),
    "admin/credentials/<int:pk>/<str:action>/": staff(
        LEGAL, targets="credential_action", scoped=True
    ),
    "admin/credentials/issue/": staff(LEGAL),
    "admin/credentials/review/": staff(LEGAL),
    "admin/credentials/renewals/": staff(LEGAL),
    "admin/credentials/batch/": staff(LEGAL | HR),
    "admin/credentials/jobs/<int:pk>/": staff(LEGAL | HR, targets="job", scoped=True),
    "admin/credentials/jobs/<int:pk>/download/": staff(LEGAL | HR, targets="job", scoped=True),
    # --- documents (Wagtail) served -----------------------------------------------------------
    "documents/^(\\d+)/(.*)$": public("document_serve"),
    "documents/authenticate_with_password/<int:restriction_id>/": public("restriction_id"),
    # --- allauth ------------------------------------------------------------------------------
    "accounts/login/": public(),
    "accounts/logout/": public(),  # signs out whoever asks, anonymous included
    "accounts/inactive/": public(),
    "accounts/signup/": public(),
    "accounts/reauthenticate/": login(),
    "accounts/reauthenticate/code/": login(),
    "accounts/reauthenticate/code/confirm/": login(),
    "accounts/email/": login(),
    "accounts/confirm-email/": public(),
    "accounts/password/change/": login(),
    "accounts/password/set/": login(),
    "accounts/password/reset/": public(),
    "accounts/login/code/confirm/": public(),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": public("email_key"),
    "accounts/password/reset/key/done/": public(),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": public("reset_key"),
    "accounts/password/reset/done/": public(),
    "accounts/2fa/": login(),
    "accounts/2fa/authenticate/": public(),
    "accounts/2fa/reauthenticate/": login(),
    "accounts/2fa/totp/activate/": login(),
    "accounts/2fa/totp/deactivate/": login(),
    "accounts/2fa/recovery-codes/": login(),
    "accounts/2fa/recovery-codes/generate/": login(),
    "accounts/2fa/recovery-codes/download/": login(),
    "i18n/setlang/": public(),
    # --- the law library (public) ------------------------------------------------------------
    "laws/": public(),
    "laws/search/": public(),
    "search/": public(),
    "laws/<slug:key>/": public("law"),
    "laws/<slug:key>/compare/": public("law"),
    "laws/<slug:key>/<isodate:version_date>/": public("law_version"),
    # --- a person's own pages ---------------------------------------------------------------
    "me/": login(),
    "me/notifications/": login(),
    "exams/": login(),
    "exams/session/<int:session_id>/": login("session_id"),
    "exams/attempt/<int:attempt_id>/": login("attempt", own=True),
    "exams/attempt/<int:attempt_id>/save": TOKEN,
    "exams/attempt/<int:attempt_id>/heartbeat": TOKEN,
    "exams/attempt/<int:attempt_id>/flag/": login("attempt", own=True),
    "exams/attempt/<int:attempt_id>/submit/": login("attempt", own=True),
    "exams/attempt/<int:attempt_id>/result/": login("attempt", own=True),
    "exams/attempt/<int:attempt_id>/review/": login("attempt", own=True),
    # The wrong-answer book and its PDF: the signed-in person's own records only (no object in
    # the path; tests/exams/test_wrong_book.py checks that nobody else's records show).
    "exams/wrong-answers/": login(),
    "exams/wrong-answers.pdf": login(),
    "exams/practice/": login(),
    "exams/practice/daily/": login(),
    "exams/practice/<int:round_id>/": login("practice_round", own=True),
    # A question's image: the bank's staff, and candidates whose paper shows it (the matrix's
    # image is in no paper, so every other role must be refused).
    "exams/question-images/<int:pk>/": staff(EXAM, targets="question_image"),
    "learning/": login(),
    "learning/lessons/<int:lesson_id>/heartbeat/": login("lesson"),
    "learning/courses/<int:course_id>/enrol/": login("course"),
    # The learner's home (我的): the viewer's own figures only (the leak search checks it).
    "my/": login(),
    "certificates/": login(),
    "certificates/appraisal/": login(),
    "certificates/learning/<int:year>/claim/": login("year"),
    # A holder's documents: the holder, and HR / legal affairs in scope.
    "certificates/certificate/<int:pk>.pdf": login("certificate", scoped=True),
    "certificates/card/<int:pk>.pdf": login("credential", scoped=True),
    "certificates/transcript.pdf": login(),
    "certificates/transcript/<int:user_id>.pdf": login("user_id", scoped=True),
    # --- public verification ------------------------------------------------------------------
    "verify/": public(),
    "verify/<str:code>": public("verify", holder_name=True),
    # --- HR front office ------------------------------------------------------------------------
    "hr/": staff(HR),
    "hr/unit/<int:unit_id>/": staff(HR, targets="unit_id", scoped=True),
    "hr/person/<int:person_id>/": staff(HR, targets="person_id", scoped=True),
    "hr/person/<int:person_id>/appointment.pdf": staff(HR, targets="person_id", scoped=True),
    "hr/appointment/": staff(HR),
    "hr/report.pdf": staff(HR),
    "hr/export/<str:table>.<str:fmt>": staff(HR, targets="hr_export"),
    "hr/appraisal/<int:year>/": staff(HR, targets="year"),
    "hr/appraisal/<int:year>/compute/": staff(HR, targets="year"),
    "hr/appraisal/<int:year>/lock/": staff(HR, targets="year"),
    "hr/appraisal/record/<int:record_id>/": staff(HR, targets="appraisal", scoped=True),
    "hr/jobs/<int:job_id>/": staff(HR, targets="job_id", scoped=True),
    "hr/jobs/<int:job_id>/download/": staff(HR, targets="job_id", scoped=True),
}
