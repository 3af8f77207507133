"""A round's summary as plain data: the stable JSON shape documented in README.md."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from surveys.model import Survey
from surveys.rounds import Summary
from surveys.scoring import QuestionScore

JSON_VERSION = 1


def _question(score: QuestionScore, survey: Survey) -> dict[str, Any]:
    question = survey.questions[survey.index_of(score.question_id)]
    return {
        "id": score.question_id,
        "text": question.text,
        "kind": question.kind.value,
        "criteria_2026": list(question.criteria_2026),
        "criteria_2021": list(question.criteria_2021),
        "answered": score.answered,
        "valid": score.valid,
        "satisfied": score.satisfied,
        "dont_know": score.dont_know,
        "share": score.share,
        "ci95": None if score.low is None else [score.low, score.high],
        "mean": score.mean,
        "distribution": {str(k): v for k, v in sorted(score.distribution.items())},
        "suppressed": score.suppressed,
    }


def summary_to_dict(summary: Summary, now: datetime) -> dict[str, Any]:
    s, c, r = summary.score, summary.commune, summary.round
    status = "open" if r.is_open(now) else ("scheduled" if now < r.opens_at else "closed")
    return {
        "version": JSON_VERSION,
        "commune": {
            "code": c.code,
            "name": c.name,
            "province_code": c.province_code,
            "province_name": c.province_name,
        },
        "round": {
            "id": r.id,
            "survey_id": r.survey_id,
            "status": status,
            "opens_at": r.opens_at.isoformat(),
            "closes_at": r.closes_at.isoformat() if r.closes_at else None,
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        },
        "unit": "household" if summary.households else "resident",
        "households_issued": summary.households,
        "registered": s.registered,
        "started": summary.started,
        "completed": summary.completed,
        "respondents": s.respondents,
        "coverage": s.coverage,
        "required_sample": s.required,
        "verdict": s.verdict.value,
        "suppressed": s.suppressed,
        "thresholds": asdict(summary.thresholds),
        "overall": _question(s.overall, summary.survey) if s.overall else None,
        "questions": [_question(q, summary.survey) for q in s.questions],
        "weakest": list(s.weakest),
    }
