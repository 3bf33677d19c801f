"""django-q2 entry point of the escalation rules (the weekly schedule's dotted path)."""

from governance.escalations.services import escalations_evaluate


def escalations_task() -> str:
    """Evaluate every escalation rule as of today; what it did, for the task's result."""
    return str(escalations_evaluate())
