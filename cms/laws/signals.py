"""Signals of the law library.

``law_version_added`` is sent by ``law_library_import`` (inside its transaction, after all
versions of the run are stored and ``is_current`` is settled) for every version that is new
to the database and has a predecessor. Keyword arguments: ``version`` (the new
``LawVersion``) and ``previous`` (the version immediately before it by date). Receivers, such
as the exam app flagging questions that cite amended articles, run in the same transaction:
if one fails, the import is rolled back and can be re-run.
"""

from django.dispatch import Signal

law_version_added = Signal()
