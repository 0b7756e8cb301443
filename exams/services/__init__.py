"""Writes of the exam app. Each public function is one state change, atomic and audited."""

from .questions import (  # noqa: F401
    QuestionImportReport,
    question_check_citations,
    question_create,
    question_resolve_amendment,
    question_update,
    questions_flag_amended,
    questions_import,
    questions_move,
    questions_retire,
    topic_by_path,
)
