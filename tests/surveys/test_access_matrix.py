"""The access matrix against the domain: every staff and officer use case x every kind of person.

Each use case is a row of USE_CASES: the service call (on commune A, A's province or the whole
country), the Action it needs and the audit entry it writes when it acts. Each row runs for a
resident, staff of A, staff of B (A's neighbour), an officer of A's province, an officer of
another province, an administrator and a former staff member of A whose role was revoked. An
allowed person passes the check (the domain may still refuse for its own reasons: a closed
round, a name already there) and every audit entry written is theirs and "ok"; a refused one
gets Forbidden (or the use case's refusal outcome) and changes nothing but one audit entry
(a resident's refusal: one more in the day's counter of residents' actions, never the log).
Telegram, the command line and any later channel call these same methods; the Telegram wiring
is proven in tests/handlers/test_access_matrix.py.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from storage import broadcasts as bdb
from storage import faq as faq_db
from storage import surveys as surveys_db
from surveys.access import WHO_MAY, Action, Actor, Forbidden, Role
from surveys.broadcasts import LaunchRefused
from surveys.drafts import Draft
from surveys.faq_questions import QuestionOutcome
from surveys.households import HouseholdRefused
from surveys.rounds import Round, RoundRefused
from surveys.services import Services
from surveys.sheet_conflicts import Decided, Keep
from surveys.summaries import SummaryRefused
from surveys.villages import VillageRefused
from tests.conftest import COMMUNE, SURVEY, snapshot, table_counts, tg_person

A, B, PROVINCE = COMMUNE, 3394, 12  # two communes of Lai Châu, and Lai Châu
ELSEWHERE = 79  # Thành phố Hồ Chí Minh
LATER = "ntm-2026-b"  # a second survey, scheduled in A
SPARE = "ntm-2026-c"  # a third one, free to open or launch

# Each person's Telegram id (their person is made with tg_person), role and grant scope.
PEOPLE: dict[str, tuple[int, Role | None, dict[str, int]]] = {
    "resident": (21, None, {}),
    "staff_a": (22, Role.STAFF, {"commune": A}),
    "staff_b": (26, Role.STAFF, {"commune": B}),
    "officer_a": (23, Role.OFFICER, {"province": PROVINCE}),
    "officer_elsewhere": (27, Role.OFFICER, {"province": ELSEWHERE}),
    "admin": (25, Role.ADMIN, {}),
    "revoked": (28, Role.STAFF, {"commune": A}),
}
# Which places each person's grants cover: A itself, A's province, the whole country.
COVERS = {
    "staff_a": {"commune"},
    "officer_a": {"commune", "province"},
    "admin": {"commune", "province", "national"},
}
DOMAIN_REFUSALS = (
    RoundRefused,
    LaunchRefused,
    SummaryRefused,
    VillageRefused,
    HouseholdRefused,
)


@dataclass
class World:
    """Commune A with residents, villages, a household code, an open round whose invitation is
    sending and whose reminder is paused, a scheduled launch, and a resident's question."""

    round: Round
    running: int
    held: int
    scheduled: int
    household: str
    question: int
    people: dict[str, int]  # the person id of each of PEOPLE
    newcomer: int  # a person with no role yet, to grant one
    grant: int  # someone else's role, to revoke
    invitation: int  # an unused invitation, to revoke
    faq_file: Path  # where an FAQ file to import is written


Call = Callable[[Services, Actor, World], Awaitable[object]]


@dataclass(frozen=True)
class UseCase:
    name: str
    action: Action
    place: str  # "commune" (A, or something of A's), "province" (A's) or "national"
    call: Call
    audit: str | None = None  # the action of the entry written when it acts; None: a read
    refused: Callable[[object], bool] | None = None  # a refusal answered, not raised


def forbidden_outcome(result: object) -> bool:
    return getattr(result, "outcome", None) in (QuestionOutcome.FORBIDDEN, Decided.UNKNOWN)


async def import_sheet(services: Services, actor: Actor, w: World) -> object:
    """The household's paper sheet, as `ykien sheets import` reads it from a file."""
    survey = await services.rounds.survey(SURVEY)
    assert survey is not None
    row = {"round": str(w.round.id), "household": w.household}
    row |= {q.id: "4" for q in survey.questions if q.kind.value == "scale"}
    row |= {"tong_the": "1"}
    return await services.sheets.import_rows(actor, [row])


FAQ_ENTRY = """[[entry]]
id = "le-phi-{uid}"
category = "dvc"
questions = ["Nộp lệ phí trên mạng thế nào?", "nop le phi online", "thanh toán lệ phí hồ sơ"]
answer = "Nộp hồ sơ trên dichvucong.gov.vn, rồi chọn thanh toán trực tuyến."
reviewed = 2026-11-01
"""


async def import_faq(services: Services, actor: Actor, w: World) -> object:
    """An FAQ file, as `ykien faq import` reads it: one new entry."""
    w.faq_file.write_text(FAQ_ENTRY.format(uid=actor.person_id or "cli"), encoding="utf-8")
    return await services.faq.import_file(actor, w.faq_file)


def draft(actor: Actor) -> Draft:
    return Draft(A, f"n{actor.person_id}", survey=SPARE, audience="all", send_now=True)


MANAGE, PROGRESS = Action.MANAGE_ROUNDS, Action.VIEW_PROGRESS
VIEW, EXPORT = Action.VIEW_SUMMARY, Action.EXPORT
VILLAGES, SHEETS, QUESTIONS = Action.MANAGE_VILLAGES, Action.ENTER_SHEETS, Action.ANSWER_QUESTIONS
USE_CASES = [
    UseCase("rounds", MANAGE, "commune", lambda s, a, w: s.staff_rounds.rounds_of(a, A)),
    UseCase("scheduled launches", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.scheduled_invitations(a, A)),
    UseCase("broadcasts", MANAGE, "commune", lambda s, a, w: s.staff_rounds.broadcasts_of(a, A)),
    UseCase("open round", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.open_round(a, A, SPARE), audit="rounds.manage"),
    UseCase("close round", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.close_round(a, w.round.id), audit="rounds.manage"),
    UseCase("launch", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.launch(a, draft(a)), audit="rounds.manage"),
    UseCase("cancel broadcast", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.cancel(a, w.scheduled), audit="broadcast.cancel"),
    UseCase("pause broadcast", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.hold(a, w.running), audit="broadcast.hold"),
    UseCase("resume broadcast", MANAGE, "commune",
            lambda s, a, w: s.staff_rounds.release(a, w.held), audit="broadcast.resume"),
    UseCase("broadcast progress", PROGRESS, "commune",
            lambda s, a, w: s.staff_rounds.progress(a, w.running)),
    UseCase("round progress", PROGRESS, "commune",
            lambda s, a, w: s.staff_rounds.latest_progress(a, w.round)),
    UseCase("round of /progress", PROGRESS, "commune",
            lambda s, a, w: s.staff_rounds.round_for(a, PROGRESS, w.round.id)),
    UseCase("reminder", Action.SEND_REMINDERS, "commune",
            lambda s, a, w: s.staff_rounds.remind(a, w.round), audit="rounds.remind"),
    UseCase("commune summary", VIEW, "commune", lambda s, a, w: s.results.commune(a, A),
            audit="summary.view"),
    UseCase("commune report", EXPORT, "commune",
            lambda s, a, w: s.results.commune(a, A, action=EXPORT), audit="summary.export"),
    UseCase("province summary", VIEW, "province",
            lambda s, a, w: s.results.province(a, PROVINCE), audit="summary.view"),
    UseCase("province export", EXPORT, "province",
            lambda s, a, w: s.results.province(a, PROVINCE, action=EXPORT),
            audit="summary.export"),
    UseCase("national summary", VIEW, "national", lambda s, a, w: s.results.national(a),
            audit="summary.view"),
    UseCase("villages", VILLAGES, "commune", lambda s, a, w: s.villages.open(a, A)),
    UseCase("village name step", VILLAGES, "commune",
            lambda s, a, w: s.villages.begin_add(a, A)),
    UseCase("village added in chat", VILLAGES, "commune",
            lambda s, a, w: s.villages.add(a, A, "Bản Mới"), audit="villages.manage"),
    UseCase("villages added", VILLAGES, "commune",
            lambda s, a, w: s.villages.add_names(a, A, ["Bản Mường"]), audit="villages.manage"),
    UseCase("village renamed", VILLAGES, "commune",
            lambda s, a, w: s.villages.rename(a, A, "Bản Cũ", "Bản Hồ"), audit="villages.manage"),
    UseCase("village removed", VILLAGES, "commune",
            lambda s, a, w: s.villages.remove(a, A, "Bản Cũ"), audit="villages.manage"),
    UseCase("household codes issued", SHEETS, "commune",
            lambda s, a, w: s.households.issue(a, A, "Bản Nà Ún", 2), audit="sheets.enter"),
    UseCase("household codes printed", SHEETS, "commune",
            lambda s, a, w: s.households.sheets(a, A, None)),
    UseCase("paper sheets imported", SHEETS, "commune", import_sheet, audit="sheets.enter"),
    UseCase("answered twice", SHEETS, "commune", lambda s, a, w: s.conflicts.listed_in(a, A)),
    UseCase("answered twice in a round", SHEETS, "commune",
            lambda s, a, w: s.conflicts.listed(a, w.round.id)),
    UseCase("held in a round", SHEETS, "commune",
            lambda s, a, w: s.conflicts.held(a, w.round.id)),
    UseCase("conflict decided", SHEETS, "commune",
            lambda s, a, w: s.conflicts.decide(a, w.round.id, w.household, Keep.PAPER),
            refused=forbidden_outcome),
    UseCase("staff invited", Action.MANAGE_ROLES, "commune",
            lambda s, a, w: s.invitations.issue(Role.STAFF, communes=[A], by=a),
            audit="roles.manage"),
    UseCase("role granted", Action.MANAGE_ROLES, "commune",
            lambda s, a, w: s.access.grant(w.newcomer, Role.STAFF, commune=A, by=a),
            audit="roles.manage"),
    UseCase("role revoked", Action.MANAGE_ROLES, "national",
            lambda s, a, w: s.access.revoke(w.grant, by=a), audit="roles.manage"),
    UseCase("invitation revoked", Action.MANAGE_ROLES, "national",
            lambda s, a, w: s.invitations.revoke(w.invitation, by=a), audit="roles.manage"),
    UseCase("FAQ file imported", Action.MANAGE_FAQ, "national", import_faq,
            audit="faq.manage"),
    UseCase("reply started", QUESTIONS, "commune",
            lambda s, a, w: s.questions.begin_reply(a, w.question), refused=forbidden_outcome),
    UseCase("sender marked as spam", QUESTIONS, "commune",
            lambda s, a, w: s.questions.mark_spam(a, w.question), audit="questions.answer",
            refused=forbidden_outcome),
    UseCase("FAQ entry drafted", Action.MANAGE_FAQ, "commune",
            lambda s, a, w: s.questions.to_faq(a, w.question), refused=forbidden_outcome),
]  # fmt: skip


def expected(who: str, action: Action, place: str) -> bool:
    role = PEOPLE[who][1]
    return role is not None and role in WHO_MAY[action] and place in COVERS.get(who, set())


async def add_survey(services: Services, survey_id: str) -> None:
    base = json.loads((await surveys_db.get_survey(services.db.conn, SURVEY)).definition)
    async with services.db.transaction() as conn:
        definition = json.dumps(base | {"id": survey_id})
        await surveys_db.insert_survey(
            conn, survey_id, survey_id, definition, "test", services.env.now()
        )


async def world(services: Services, tmp_path: Path) -> World:
    s, now = services, services.env.now()
    await s.residents.add_villages(A, ["Bản Nà Ún", "Bản Cũ"])
    people = {who: await tg_person(s, uid) for who, (uid, _, _) in PEOPLE.items()}
    for uid in (21, 31, 32, 33):
        await s.residents.join(await tg_person(s, uid), f"Dân {uid}", A)
    for survey_id in (LATER, SPARE):
        await add_survey(s, survey_id)
    opened = await s.broadcasts.open_round(A, SURVEY, closes_at=now + timedelta(days=7))
    reminder = await s.broadcasts.remind_now(opened.round.id, "test")
    assert reminder is not None
    async with s.db.transaction() as tx:
        for broadcast_id in (opened.broadcast.id, reminder.id):
            await bdb.set_status(tx, broadcast_id, "running", now)
        await bdb.hold(tx, reminder.id, now)
    later = await s.broadcasts.open_round(A, LATER, opens_at=now + timedelta(days=2))
    issued = await s.households.issue(Actor.operator(), A, "Bản Nà Ún", 1)
    resident = await s.residents.get(people["resident"])
    assert resident is not None
    async with s.db.transaction() as tx:
        text = "xin giấy phép xây chuồng bò"
        ask = await faq_db.insert_ask(tx, resident.id, text, "none", None, now)
        question = await faq_db.insert_question(tx, ask, A, resident.id, "xin giấy phép", now)
    assert question is not None
    for who, (_, role, scope) in PEOPLE.items():
        if role is not None:
            grant = await s.access.grant(people[who], role, **scope)
            if who == "revoked":
                await s.access.revoke(grant)
    invited = await s.invitations.issue(Role.STAFF, communes=[A])
    return World(
        opened.round,
        opened.broadcast.id,
        reminder.id,
        later.broadcast.id,
        issued.households[0][0].code,
        question,
        people,
        await tg_person(s, 40),
        await s.access.grant(await tg_person(s, 41), Role.STAFF, commune=A),
        invited.invitation.id,
        tmp_path / "faq.toml",
    )


async def act(case: UseCase, services: Services, actor: Actor, w: World) -> bool:
    """Calls the use case; False when access was refused."""
    try:
        result = await case.call(services, actor, w)
    except Forbidden:
        return False
    except DOMAIN_REFUSALS:
        return True  # past the access check, refused on the domain's own grounds
    return not (case.refused and case.refused(result))


@pytest.mark.parametrize("case", USE_CASES, ids=lambda c: c.name)
async def test_matrix(services: Services, tmp_path: Path, case: UseCase) -> None:
    w = await world(services, tmp_path)
    access, db = services.access, services.db
    acted = False
    for who in PEOPLE:
        actor = Actor(w.people[who])
        log, tally = await access.audit_log(), await access.resident_actions()
        before, counts = await snapshot(db), await table_counts(db)
        allowed = await act(case, services, actor, w)
        assert allowed is expected(who, case.action, case.place), who
        new = (await access.audit_log())[len(log) :]
        if allowed:
            assert {(e.actor, e.outcome) for e in new} <= {(actor.label, "ok")}, who
            acted |= any(e.action == case.audit for e in new)
            continue
        assert await snapshot(db) == before, who
        after = await table_counts(db)
        kept = ("audit_log", "resident_actions")
        assert {k: v for k, v in after.items() if k not in kept} == {
            k: v for k, v in counts.items() if k not in kept
        }, who
        if who == "resident":  # counted per day, never logged one by one
            assert new == []
            grown = {(a, o): n for _, a, o, n in await access.resident_actions()}
            had = {(a, o): n for _, a, o, n in tally}
            key = (case.action.value, "refused")
            assert grown == had | {key: had.get(key, 0) + 1}
            continue
        (entry,) = new
        place = {"commune": (A, None), "province": (None, PROVINCE), "national": (None, None)}
        assert (entry.actor, entry.action, entry.outcome) == (actor.label, case.action, "refused")
        assert (entry.commune_code, entry.province_code) == place[case.place], who
    assert acted or case.audit is None, "nobody who was allowed got the audit entry"


async def test_every_use_case_is_allowed_and_refused_somewhere() -> None:
    for case in USE_CASES:
        assert {expected(w, case.action, case.place) for w in PEOPLE} == {True, False}


async def test_the_questions_queue_holds_the_communes_this_person_answers_for(
    services, tmp_path
) -> None:
    """The queue lists a question of A to those who answer for A only, and writes nothing."""
    w = await world(services, tmp_path)
    log = await services.access.audit_log()
    for who in PEOPLE:
        queue = await services.questions.queue(Actor(w.people[who]))
        listed = [q.question.id for q in queue or []]
        assert (listed == [w.question]) is expected(who, QUESTIONS, "commune"), who
    assert await services.access.audit_log() == log


async def test_the_operator_may_do_everything(services, tmp_path) -> None:
    """The command line acts as the operator: every use case passes, and is audited as 'cli'."""
    w = await world(services, tmp_path)
    operator = Actor.operator()
    for case in USE_CASES:
        if case.name in ("launch", "village name step", "reply started", "FAQ entry drafted"):
            continue  # chat steps of a person (the operator has other commands for these)
        if case.name == "sender marked as spam":
            continue  # a mark names the staff member who made it
        log = await services.access.audit_log()
        assert await act(case, services, operator, w), case.name
        new = (await services.access.audit_log())[len(log) :]
        assert {(e.actor, e.outcome) for e in new} <= {("cli", "ok")}, case.name
