"""The 15-check inventory optimization diagnostic of an S&OP cycle: evidence, manual answers,
scores, traffic lights and the maturity level (docs/sop.md, "Diagnostic")."""

from governance.sop.diagnostic.evaluate import (
    CHECK_BY_NUMBER,
    CHECKS,
    EVIDENCE_MAX_AGE,
    AreaResult,
    CheckResult,
    CheckSpec,
    Diagnostic,
    Evidence,
    check_evidence,
    diagnostic_evaluate,
    diagnostic_evidence,
    maturity_level,
    rag_for,
)
from governance.sop.diagnostic.services import (
    DiagnosticAnswerConflict,
    answer_version,
    diagnostic_answer_set,
)

__all__ = [
    "CHECKS",
    "CHECK_BY_NUMBER",
    "EVIDENCE_MAX_AGE",
    "AreaResult",
    "CheckResult",
    "CheckSpec",
    "Diagnostic",
    "DiagnosticAnswerConflict",
    "Evidence",
    "answer_version",
    "check_evidence",
    "diagnostic_answer_set",
    "diagnostic_evaluate",
    "diagnostic_evidence",
    "maturity_level",
    "rag_for",
]
