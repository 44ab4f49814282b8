"""How answers are checked and shown: pure functions of a question's kind, its answer and a response.

A response has the shape of the question's answer: single ``"B"``; multiple ``["A", "C"]``; true or false
``true``/``false``; fill-in-the-blank and short answer a text. A multiple-choice question scores only when the
letters chosen are exactly the right ones; a blank accepts any of its answers, compared without regard to
full-width forms, case or surrounding blanks.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from assessments.models import OPTION_LETTERS, QuestionKind

# Longest text kept for a fill-in-the-blank or short answer.
LONGEST_ANSWER = 5000


def normalized(text: str) -> str:
    """A blank's answer as compared: NFKC (full-width to half-width), no case, blanks collapsed."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return " ".join(folded.split())


def clean_response(kind: str, options: list, value) -> tuple[bool, object]:
    """Check a response sent for a question; return (is_valid, the value to store, ``None`` for no answer)."""
    letters = OPTION_LETTERS[: len(options)]
    if value in (None, "", []):
        return True, None
    if kind == QuestionKind.SINGLE:
        return (isinstance(value, str) and len(value) == 1 and value in letters), value
    if kind == QuestionKind.MULTIPLE:
        if isinstance(value, str):
            value = list(value)
        if not isinstance(value, list) or not all(isinstance(v, str) and len(v) == 1 and v in letters for v in value):
            return False, None
        return True, sorted(set(value))
    if kind == QuestionKind.TRUE_FALSE:
        if isinstance(value, str) and value in ("true", "false"):
            value = value == "true"
        return isinstance(value, bool), value
    if not isinstance(value, str) or len(value) > LONGEST_ANSWER:
        return False, None
    return True, value.strip() or None


def is_correct(kind: str, answer, response) -> bool | None:
    """Whether an objective response is right (``None`` for a short answer: a marker decides)."""
    if kind == QuestionKind.SHORT:
        return None
    if response is None:
        return False
    if kind == QuestionKind.SINGLE:
        return response == answer
    if kind == QuestionKind.MULTIPLE:
        return sorted(response) == sorted(answer)
    if kind == QuestionKind.TRUE_FALSE:
        return response is answer
    accepted = {normalized(a) for a in answer}
    return normalized(response) in accepted


def objective_points(kind: str, answer, response, points: int) -> int | None:
    """The points an objective response earns, or ``None`` for a short answer."""
    correct = is_correct(kind, answer, response)
    if correct is None:
        return None
    return points if correct else 0


def answer_text(kind: str, answer) -> str:
    """An answer or a response as people read it: ``AC``, ``对``, ``答案一 / 答案二``, a text, or ``—``."""
    if answer in (None, "", []):
        return "—"
    if kind == QuestionKind.TRUE_FALSE:
        return _("True") if answer is True else _("False")
    if kind == QuestionKind.MULTIPLE:
        return "".join(answer)
    if kind == QuestionKind.FILL and isinstance(answer, list):
        return " / ".join(answer)
    return str(answer)
