"""Domain signals of the exam engine, for apps that must not be imported here."""

from django.dispatch import Signal

# Sent after an attempt is graded and committed: kwargs ``attempt`` (an Attempt).
attempt_graded = Signal()
