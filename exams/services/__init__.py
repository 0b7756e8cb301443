"""Writes of the exam app. Each public function is one state change, atomic and audited."""

from .attempts import (  # noqa: F401
    AttemptError,
    answer_save,
    attempt_heartbeat,
    attempt_refusal,
    blueprint_supply,
    paper_draw,
    paper_draw_balanced,
    slot_flag,
)
from .questions import (  # noqa: F401
    QuestionImportReport,
    amendment_flags_resolve_by_edit,
    question_check_citations,
    question_create,
    question_resolve_amendment,
    question_set_status,
    question_update,
    questions_flag_amended,
    questions_import,
    questions_move,
    questions_retire,
    topic_by_path,
)
from .sessions import (  # noqa: F401
    CandidateImportError,
    CandidatesImportResult,
    SessionError,
    candidate_update,
    candidates_import,
    session_release_results,
)
from .transitions import (  # noqa: F401
    TRANSITIONS,
    InvalidTransition,
    attempt_extend,
    attempt_finalize,
    attempt_force_submit,
    attempt_reopen,
    attempt_start,
    attempt_submit,
    attempt_void,
    attempts_close_overdue,
    session_extend,
)
