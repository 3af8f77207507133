"""/rounds: the commune's rounds, and a button wizard to launch one (survey, audience, when,
close, preview, test copy, confirm). Callback data `r:...` is validated, and every press is
authorised again against the draft's commune."""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers.telegram import broadcast_jobs, keyboards
from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of
from handlers.telegram.replies import alert, reply
from handlers.telegram.updates import query_of, text_of
from handlers.views import labels
from handlers.views.reports import label_text
from surveys.access import Actor, Forbidden
from surveys.broadcasts import LaunchRefused
from surveys.drafts import Draft, DraftStore, parse_local_time
from surveys.pending import Pending
from surveys.quiet import this_evening
from surveys.rounds import RoundRefused

PRESS = re.compile(
    r"^r:(?:(new|t|ok|x)|s:([a-z0-9-]{1,40})|a:(all|v|n)|v:(\d{1,12})|n:(\d{1,12})"
    r"|w:(now|eve|type)|c:(7|14|30|type)|k:(\d{1,12}))$"
)


async def _commune(update: Update, context: BotContext) -> int | None:
    """The staff member's commune, or None after saying they may not."""
    try:
        commune = await context.services.staff_rounds.home(Actor(await person_of(update, context)))
    except Forbidden:
        await reply(update, "staff_forbidden.html")
        return None
    if commune is None:  # an administrator holds every commune, so none in particular
        await reply(update, "staff_rounds_no_commune.html")
    return commune


async def rounds_command(update: Update, context: BotContext) -> None:
    """Lists the commune's rounds with counts, and offers to launch a new one."""
    commune = await _commune(update, context)
    if commune is None:
        return
    services = context.services
    now = services.env.now()
    actor = Actor(await person_of(update, context))
    infos = await services.staff_rounds.rounds_of(actor, commune)
    scheduled = await services.staff_rounds.scheduled_invitations(actor, commune)
    rows = [
        [keyboards.button(labels.ROUND_CANCEL.format(id=b.id), f"r:k:{b.id}")] for b in scheduled
    ]
    rows.append([keyboards.button(labels.ROUND_NEW, "r:new")])
    await reply(
        update,
        "staff_rounds.html",
        InlineKeyboardMarkup(rows),
        rounds=infos,
        now=now,
        tz=services.settings.timezone,
    )


async def on_press(update: Update, context: BotContext) -> None:
    """Routes a wizard button after validating its data and the presser's rights."""
    query = query_of(update)
    match = PRESS.fullmatch(query.data or "")
    if match is None:
        await alert(update, "alert_invalid_button.html")
        return
    services = context.services
    user_id = await person_of(update, context)
    simple, survey, audience, village, earlier, when, closes, cancel = match.groups()
    if cancel is not None:
        await _cancel_broadcast(update, context, int(cancel))
        return
    if simple == "new":
        await query.answer()
        try:  # start_draft finds (and checks) the commune: no second look-up here
            started = await services.staff_rounds.start_draft(Actor(user_id))
        except Forbidden:
            await reply(update, "staff_forbidden.html")
            return
        if started is None:  # an administrator holds every commune, so none in particular
            await reply(update, "staff_rounds_no_commune.html")
            return
        await _ask(update, context, started)
        return
    found = await services.staff_rounds.draft(Actor(user_id))
    if found is None:  # none, or the presser may no longer launch in its commune
        await alert(update, "alert_wizard_gone.html")
        return
    draft = found[1]
    await query.answer()
    now = services.env.now()
    if simple == "x":
        await services.broadcasts.drafts.clear(user_id)
        await reply(update, "staff_wizard.html", step="discarded")
        return
    if simple in ("t", "ok"):
        await (_test_copy if simple == "t" else _confirm)(update, context, draft)
        return
    if survey is not None:
        draft = draft.with_(survey=survey)
    elif audience is not None:
        draft = draft.with_(
            audience={"all": "all", "v": "village", "n": "nonrespondents"}[audience]
        )
    elif village is not None:
        draft = draft.with_(audience="village", audience_ref=int(village))
    elif earlier is not None:
        draft = draft.with_(audience="nonrespondents", audience_ref=int(earlier))
    elif when == "type" or closes == "type":
        state = "bc_at" if when else "bc_closes"
        await services.broadcasts.drafts.save(user_id, draft, state)
        await reply(update, "staff_wizard.html", step="type_time", what=state)
        return
    elif when == "now":
        draft = draft.with_(send_now=True, starts_at=None)
    elif when is not None:
        start = this_evening(now, services.settings)
        draft = draft.with_(send_now=False, starts_at=start.isoformat())
    elif closes is not None:
        start = draft.starts() or now
        draft = draft.with_(closes_at=(start + timedelta(days=int(closes))).isoformat())
    await _ask(update, context, draft)


async def typed_time(update: Update, context: BotContext, pending: Pending) -> bool:
    """A typed start or close time for the wizard; False while it waits for a button."""
    services = context.services
    found = DraftStore.of(pending)
    if found is None or found[0] not in ("bc_at", "bc_closes"):
        return False
    state, draft = found
    text = text_of(update)
    value = parse_local_time(text, services.env.now(), services.settings.timezone)
    if value is None:
        await reply(update, "staff_wizard.html", step="bad_time", text=text[:40])
        return True
    if value < services.env.now():
        await reply(update, "staff_launch_refused.html", error="time_in_past")
        return True
    field = "starts_at" if state == "bc_at" else "closes_at"
    changes: dict[str, object] = {field: value.isoformat()}
    if field == "starts_at":
        changes["send_now"] = False
    await _ask(update, context, draft.with_(**changes))
    return True


async def _ask(update: Update, context: BotContext, draft: Draft) -> None:
    """Saves the draft and asks for what is missing, or shows the preview."""
    services = context.services
    user_id = await person_of(update, context)
    tz = services.settings.timezone
    if draft.survey is None:
        surveys = await services.rounds.surveys()
        rows = [[keyboards.button(s.title[:60], f"r:s:{s.id}")] for s in surveys]
        return await _step(update, context, draft, "survey", rows)
    if draft.audience is None:
        rows = [[keyboards.button(text, f"r:a:{code}")] for code, text in labels.AUDIENCE.items()]
        return await _step(update, context, draft, "audience", rows)
    if draft.audience == "village" and draft.audience_ref is None:
        villages = await services.residents.villages(draft.commune)
        rows = [[keyboards.button(v.name[:60], f"r:v:{v.id}")] for v in villages]
        return await _step(update, context, draft.with_(audience=None), "village", rows)
    if draft.audience == "nonrespondents" and draft.audience_ref is None:
        infos = await services.rounds.list_for_commune(draft.commune)
        earlier = labels.EARLIER_ROUND
        rows = [
            [keyboards.button(earlier.format(label=label_text(i.label), title=i.survey_title[:40]),
                              f"r:n:{i.round.id}")]
            for i in infos[-6:]
        ]  # fmt: skip
        return await _step(update, context, draft.with_(audience=None), "earlier", rows)
    if not draft.start_chosen():
        evening = this_evening(services.env.now(), services.settings).astimezone(tz)
        rows = [
            [keyboards.button(text.format(time=evening.strftime("%H:%M %d/%m")), f"r:w:{code}")]
            for code, text in labels.WHEN.items()
        ]
        return await _step(update, context, draft, "when", rows)
    if draft.closes_at is None:
        rows = [[keyboards.button(text, f"r:c:{code}")] for code, text in labels.CLOSES.items()]
        return await _step(update, context, draft, "closes", rows)
    try:
        plan = await services.broadcasts.plan_draft(draft)
    except (RoundRefused, LaunchRefused) as exc:
        await reply(update, "staff_launch_refused.html", error=exc.error.value)
        return await _ask(
            update, context, draft.with_(starts_at=None, closes_at=None, send_now=False)
        )
    await services.broadcasts.drafts.save(user_id, draft)
    rows = [
        [keyboards.button(labels.TEST_COPY, "r:t")],
        [keyboards.button(labels.CONFIRM, "r:ok"), keyboards.button(labels.DISCARD, "r:x")],
    ]
    now = services.env.now()
    await reply(
        update,
        "staff_wizard.html",
        InlineKeyboardMarkup(rows),
        step="preview",
        plan=plan,
        tz=tz,
        now=now,
    )
    return None


async def _step(
    update: Update,
    context: BotContext,
    draft: Draft,
    step: str,
    rows: list[list[InlineKeyboardButton]],
) -> None:
    await context.services.broadcasts.drafts.save(await person_of(update, context), draft)
    rows.append([keyboards.button(labels.DISCARD, "r:x")])
    await reply(
        update, "staff_wizard.html", InlineKeyboardMarkup(rows), step=step, empty=len(rows) == 1
    )


async def _test_copy(update: Update, context: BotContext, draft: Draft) -> None:
    """The invitation exactly as residents will see it, sent to the staff member."""
    services = context.services
    try:
        plan = await services.broadcasts.plan_draft(draft)
    except (RoundRefused, LaunchRefused) as exc:
        await reply(update, "staff_launch_refused.html", error=exc.error.value)
        return
    round_ = services.broadcasts.preview_round(plan)
    await reply(
        update,
        "resident_round_offer.html",
        keyboards.start_survey(),
        survey=plan.survey,
        round=round_,
    )


async def _confirm(update: Update, context: BotContext, draft: Draft) -> None:
    services = context.services
    user_id = await person_of(update, context)
    try:
        launched = await services.staff_rounds.launch(Actor(user_id), draft)
    except Forbidden:
        await reply(update, "staff_forbidden.html")
        return
    except (RoundRefused, LaunchRefused) as exc:
        await reply(update, "staff_launch_refused.html", error=exc.error.value)
        return
    progress = await services.broadcasts.progress(launched.broadcast.id)
    tz = services.settings.timezone
    message = await reply(update, "staff_progress.html", p=progress, tz=tz)
    if message is not None:
        await services.broadcasts.set_progress_message(
            launched.broadcast.id, message.chat_id, message.message_id
        )
    broadcast_jobs.schedule(
        context.application, launched.broadcast.id, launched.broadcast.starts_at
    )


async def _cancel_broadcast(update: Update, context: BotContext, broadcast_id: int) -> None:
    services = context.services
    user_id = await person_of(update, context)
    try:
        cancelled = await services.staff_rounds.cancel(Actor(user_id), broadcast_id)
    except Forbidden:
        await alert(update, "alert_wizard_gone.html")
        return
    except LaunchRefused as exc:
        await alert(update, "alert_not_cancellable.html", error=exc.error.value)
        return
    await query_of(update).answer()
    await reply(update, "staff_wizard.html", step="cancelled", cancelled=cancelled)
