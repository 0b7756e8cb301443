"""Domain signals of the exam engine, for apps that must not be imported here."""

from django.dispatch import Signal

# Sent after an attempt is graded and committed: kwargs ``attempt`` (an Attempt).
attempt_graded = Signal()

# Sent for a regrade's dry run, kwargs ``regrade`` (an ``exams.data.Regrade`` with id None).
# Each receiver returns a list of ``exams.data.Consequence``: what it would change. Receivers
# must not write anything.
regrade_consequences = Signal()

# Sent after a regrade is committed, kwargs ``regrade`` (an ``exams.data.Regrade``): receivers
# bring their documents and records in line with the new results (and audit what they change).
results_regraded = Signal()
