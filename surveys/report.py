"""A round's summary as plain data: the stable JSON shape documented in README.md."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from surveys.figures import Share
from surveys.model import Survey
from surveys.round_labels import RoundLabel
from surveys.rounds import Summary
from surveys.scoring import Decision, QuestionScore
from surveys.summaries import CommuneReport, NationalRow, ProvinceReport

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
        "started": None if s.suppressed else summary.started,
        "completed": None if s.suppressed else summary.completed,
        "respondents": s.respondents,
        "coverage": s.coverage,
        "required_sample": s.required,
        "verdict": s.verdict.value,
        "reason": _reason(s.decision),
        "suppressed": s.suppressed,
        "thresholds": asdict(summary.thresholds),
        "overall": _question(s.overall, summary.survey) if s.overall else None,
        "questions": [_question(q, summary.survey) for q in s.questions],
        "weakest": list(s.weakest),
    }


def _reason(d: Decision) -> dict[str, Any]:
    """The verdict's reason: a stable code and the figures it quotes (lists for tuples)."""
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in d.params.items()}
    return {"code": d.reason.value, "params": params}


def _label(label: RoundLabel | None) -> dict[str, int] | None:
    return None if label is None else {"number": label.number, "year": label.year}


def _share(s: Share) -> dict[str, Any]:
    return {
        "satisfied": None if s.suppressed else s.satisfied,
        "valid": None if s.suppressed else s.valid,
        "share": s.share,
        "ci95": None if s.low is None else [s.low, s.high],
        "suppressed": s.suppressed,
    }


def report_to_dict(report: CommuneReport, now: datetime) -> dict[str, Any]:
    """The summary of summary_to_dict plus breakdowns, trend and comment counts (still v1)."""
    out = summary_to_dict(report.summary, now)
    out["unit"] = report.unit.value
    out["round"]["label"] = _label(report.label)
    out["criteria"] = {
        c.value: [
            {"criterion": x.criterion, "questions": list(x.questions), **_share(x.share)}
            for x in rows
        ]
        for c, rows in report.criteria.items()
    }
    out["villages"] = [
        {"id": v.village_id, "name": v.name, "respondents": v.respondents, **_share(v.overall)}
        for v in report.villages
    ]
    out["comments"] = {"count": report.comments.count, "texts": list(report.comments.texts)}
    out["history"] = [
        {
            "round_id": p.round_id,
            "label": _label(p.label),
            **_share(p.headline),
            "change": p.trend.change if p.trend else None,
            "significant": p.trend.significant if p.trend else None,
        }
        for p in report.history
    ]
    t = report.trend
    out["trend"] = (
        None
        if t is None
        else {
            "previous_round": report.previous_round,
            "previous_label": _label(report.previous_label),
            "change": t.change,
            "p_value": t.p_value,
            "significant": t.significant,
            "test": "two-proportion z-test, two-sided, 5%",
        }
    )
    return out


def province_to_dict(report: ProvinceReport) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "province": {"code": report.province.code, "name": report.province.name},
        "min_group": report.min_group,
        "thresholds": asdict(report.thresholds),
        "without_rounds": report.without_rounds,
        "respondents": report.respondents,
        "total": _share(report.total),
        "communes": [
            {
                "code": r.commune.code,
                "name": r.commune.name,
                "round_id": r.round_id,
                "label": _label(r.label),
                "respondents": r.respondents,
                "verdict": r.verdict.value,
                "reason": _reason(r.decision),
                "rank": None if r.ranked.best is None else [r.ranked.best, r.ranked.worst],
                **_share(r.ranked.share),
            }
            for r in report.rows
        ],
    }


def national_to_dict(rows: list[NationalRow]) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "provinces": [
            {
                "code": r.province.code,
                "name": r.province.name,
                "communes": r.communes,
                "respondents": r.respondents,
                "rank": None if r.ranked.best is None else [r.ranked.best, r.ranked.worst],
                **_share(r.ranked.share),
            }
            for r in rows
        ],
    }
