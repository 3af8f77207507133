"""The e-sheet's pages: parse the form, call surveys.web_sheet, render a template, redirect.

Every POST answers with 303 to a GET page (POST-redirect-GET), so a reload or the browser's
back button never sends an answer twice; refusals are a Vietnamese page and change nothing.
"""

from __future__ import annotations

from aiohttp import web

from handlers.views import labels
from handlers.web.dashboard_session import BadCode, code_of
from handlers.web.security import browser_token, csrf_token, page, refusal, see_other
from surveys import flow
from surveys.answering import AnswerOutcome, Result
from surveys.model import Question, QuestionKind
from surveys.services import Services
from surveys.web_sheet import Opened, Sheet, SheetState

SERVICES = web.AppKey("services", Services)


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


def buttons(question: Question) -> list[tuple[str, str]]:
    """(value sent, label) per button, labelled as in the chat."""
    if question.kind is QuestionKind.SCALE:
        return [(str(v), labels.SCALE[v]) for v in (1, 2, 3, 4, 5, 0)]
    if question.kind is QuestionKind.YESNO:
        return [(str(v), labels.YESNO[v]) for v in (1, 0)]
    return [(c.code, c.label) for c in question.choices]


def answer_label(question: Question, sheet: Sheet) -> str | None:
    """The answer shown on the review page; None when not answered yet."""
    assert sheet.step is not None
    answer = sheet.step.answers.get(question.id)
    if answer is None:
        return None
    if answer.skipped:
        return labels.SKIPPED
    if question.kind is QuestionKind.TEXT:
        return answer.value_text or ""
    code = answer.value_text if question.kind is QuestionKind.CHOICE else str(answer.value_int)
    return next((label for value, label in buttons(question) if value == code), code or "")


def _commune_code(request: web.Request) -> int:
    """The dashboard's rule for a code in the URL; a bad one is the e-sheet's not-found page."""
    try:
        return code_of(request, "commune")
    except BadCode:
        raise web.HTTPNotFound() from None


async def index(request: web.Request) -> web.Response:
    return page("web_index.html")


async def commune_page(request: web.Request, *, error: str | None = None) -> web.Response:
    """The commune's link: pick the village, type the household code."""
    found = await _services(request).web.commune(_commune_code(request))
    if found is None:
        return refusal(request, "not_found", 404)
    commune, villages = found
    return page(
        "web_commune.html",
        status=200 if error is None else 400,
        commune=commune,
        villages=villages,
        error=error,
        csrf=csrf_token(request),
    )


async def enter_code(request: web.Request) -> web.Response:
    form = await request.post()
    code, village = str(form.get("code", "")), str(form.get("village", ""))
    village_id = int(village) if village.isascii() and village.isdigit() else None
    if village and village_id is None:
        return refusal(request, "tampered", 400)
    return await _entered(request, code, village_id)


async def household_link(request: web.Request) -> web.Response:
    """The link a household card's QR code carries: opens the sheet without typing."""
    return await _entered(request, request.match_info["code"], None)


async def _entered(request: web.Request, code: str, village_id: int | None) -> web.Response:
    entered = await _services(request).web.enter(
        browser_token(request), _commune_code(request), code, village_id
    )
    if entered.outcome is Opened.OK:
        return see_other("/s")
    if entered.outcome is Opened.UNKNOWN_COMMUNE:
        return refusal(request, "not_found", 404)
    if entered.outcome is Opened.LOCKED:
        return page("web_locked.html", status=429, until=entered.locked_until)
    return await commune_page(request, error="wrong_code")


async def sheet_page(request: web.Request) -> web.Response:
    """Where the household stands: the notice, the next question, the review, or why not."""
    sheet = await _services(request).web.sheet(browser_token(request), labelled=True)
    if sheet.state is SheetState.ANSWERING and sheet.step is not None:
        return see_other(f"/s/q/{sheet.step.index}")
    if sheet.state is SheetState.DONE:
        return see_other("/s/review")
    return _status_page(request, sheet)


def _status_page(request: web.Request, sheet: Sheet) -> web.Response:
    if sheet.state is SheetState.NO_SESSION:
        return page("web_no_session.html", status=403)
    if sheet.state is SheetState.CONSENT:
        return page("web_consent.html", sheet=sheet, csrf=csrf_token(request))
    if sheet.state is SheetState.SET_ASIDE:  # staff counted the household's other sheet
        return page("web_set_aside.html", status=409, sheet=sheet)
    return page("web_round_closed.html", status=409, sheet=sheet)


async def start(request: web.Request) -> web.Response:
    sheet = await _services(request).web.start(browser_token(request))
    return see_other("/s") if sheet.step is not None else _status_page(request, sheet)


def _index(request: web.Request) -> int | None:
    raw = request.match_info["index"]
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else None


async def question_page(request: web.Request) -> web.Response:
    index = _index(request)
    sheet = await _services(request).web.sheet(browser_token(request), index)
    if sheet.step is None:
        return _status_page(request, sheet)
    questions = sheet.step.survey.questions
    if index is None or index >= len(questions):
        return refusal(request, "tampered", 404)
    if not flow_reached(sheet, index):
        return see_other("/s")
    return _question(request, sheet, index)


def flow_reached(sheet: Sheet, index: int) -> bool:
    """A question may be shown once answered or when it is the next one."""
    assert sheet.step is not None
    question = sheet.step.survey.questions[index]
    nxt = flow.next_index(sheet.step.survey, sheet.step.answers)
    return question.id in sheet.step.answers or index == nxt


def _question(
    request: web.Request,
    sheet: Sheet,
    index: int,
    *,
    error: str | None = None,
    typed: str = "",
    status: int = 200,
) -> web.Response:
    assert sheet.step is not None
    question = sheet.step.survey.questions[index]
    answer = sheet.step.answers.get(question.id)
    chosen = None
    if answer is not None and not answer.skipped:
        chosen = answer.value_text if answer.value_int is None else str(answer.value_int)
    return page(
        "web_question.html",
        status=status,
        sheet=sheet,
        index=index,
        question=question,
        buttons=buttons(question),
        chosen=chosen,
        typed=typed or (chosen or "" if question.kind is QuestionKind.TEXT else ""),
        error=error,
        csrf=csrf_token(request),
    )


async def answer(request: web.Request) -> web.Response:
    """A button, a comment or `Bỏ qua`; then the next question (or the review)."""
    index = _index(request)
    if index is None:
        return refusal(request, "tampered", 400)
    form = await request.post()
    web_sheet, token = _services(request).web, browser_token(request)
    sheet: Sheet | None = None  # read again only for a page that shows it (not on a tap)
    if "skip" in form:
        result = await web_sheet.skip(token, index)
    elif "text" in form:
        text = str(form.get("text", ""))
        sheet, result = await web_sheet.comment(token, index, text)
        if result.outcome in (AnswerOutcome.TOO_LONG, AnswerOutcome.EMPTY):
            return _question(
                request, sheet, index, error=result.outcome.value, typed=text, status=400
            )
    else:
        result = await web_sheet.answer(token, index, str(form.get("value", "")))
    return await _after(request, sheet, result)


async def _after(request: web.Request, sheet: Sheet | None, result: Result) -> web.Response:
    if result.ok:
        done = result.step is not None and result.step.done
        return see_other("/s/review" if done else f"/s/q/{_next(result)}")
    if result.outcome is AnswerOutcome.NOT_YET:
        return see_other("/s")
    if result.outcome in (AnswerOutcome.CLOSED, AnswerOutcome.NO_ROUND):
        if sheet is None:
            sheet = await _services(request).web.sheet(browser_token(request))
        return _status_page(request, sheet)
    if result.outcome is AnswerOutcome.NOT_JOINED:
        return page("web_no_session.html", status=403)
    return refusal(request, "tampered", 400)


def _next(result: Result) -> int:
    assert result.step is not None and result.step.index is not None
    return result.step.index


async def review(request: web.Request) -> web.Response:
    sheet = await _services(request).web.sheet(browser_token(request))
    if sheet.state is not SheetState.DONE or sheet.step is None:
        return see_other("/s") if sheet.step is not None else _status_page(request, sheet)
    rows = [(i, q, answer_label(q, sheet)) for i, q in enumerate(sheet.step.survey.questions)]
    return page("web_review.html", sheet=sheet, rows=rows, csrf=csrf_token(request))


async def submit(request: web.Request) -> web.Response:
    sheet, _first = await _services(request).web.submit(browser_token(request))
    if sheet.state is SheetState.DONE:
        return see_other("/s/thanks")
    return see_other("/s") if sheet.step is not None else _status_page(request, sheet)


async def thanks(request: web.Request) -> web.Response:
    sheet = await _services(request).web.sheet(browser_token(request), labelled=True)
    if not sheet.submitted:
        return see_other("/s") if sheet.step is not None else _status_page(request, sheet)
    return page("web_thanks.html", sheet=sheet)
