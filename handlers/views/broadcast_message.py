"""What a broadcast says, whatever carries it: the template, its values and the button.

Telegram renders it as HTML with an inline keyboard, Zalo as plain text with an
``oa.query.hide`` button; both adapters read this one choice, so a resident is offered the
same thing on either channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.views import labels
from surveys.broadcasts import Content


@dataclass(frozen=True)
class BroadcastView:
    template: str
    values: dict[str, object] = field(default_factory=dict)
    button: str | None = None  # the button's label (start or continue the survey); None: none


def view_of(content: Content, answered: int = 0) -> BroadcastView:
    """The message of a broadcast; a resident half-way through the round (`answered`
    questions) is asked to continue rather than to start."""
    if content.kind == "result":
        assert content.summary is not None
        score = content.summary.score
        ranked = sorted(
            (q for q in score.questions if q.share is not None), key=lambda q: q.share or 0.0
        )
        texts = {q.id: q.text for q in content.survey.questions}
        values: dict[str, object] = {
            "summary": content.summary,
            "label": content.label,
            "best": [(texts[q.question_id], q.share) for q in reversed(ranked[-2:])],
            "worst": [(texts[q.question_id], q.share) for q in ranked[:2]],
        }
        return BroadcastView("resident_round_result.html", values)
    if answered > 0:
        total = len(content.survey.questions)
        values = {
            "survey": content.survey,
            "round": content.round,
            "answered": min(answered, total),
            "total": total,
        }
        return BroadcastView("resident_round_continue.html", values, labels.CONTINUE_SURVEY)
    template = (
        "resident_reminder.html" if content.kind == "reminder" else "resident_round_offer.html"
    )
    values = {"survey": content.survey, "round": content.round}
    return BroadcastView(template, values, labels.START_SURVEY)
