"""Officers' results in chat: /summary (message and chart), /report (HTML), /export (XLSX, CSV)."""

from __future__ import annotations

import io
import re
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from handlers.telegram.context import BotContext
from handlers.telegram.people import person_of, who_of
from handlers.telegram.replies import alert, command_args, reply
from handlers.telegram.updates import query_of, text_of
from handlers.views.reports import Format, Output, commune_output, province_output
from surveys.access import Action, Actor, Forbidden
from surveys.pending import Pending
from surveys.summaries import (
    CommuneReport,
    ProvinceReport,
    SummaryError,
    SummaryRefused,
    Target,
)

_PICK = re.compile(r"^m:([cp]):(\d{1,7})$")


def _candidates(targets: list[Target]) -> InlineKeyboardMarkup:
    """One button per matching place: m:c:<commune code> or m:p:<province code>."""
    rows = []
    for t in targets:
        if t.commune is not None:
            label = f"{t.commune.name}, {t.commune.province_name}"
            data = f"m:c:{t.commune.code}"
        else:
            assert t.province is not None
            label, data = t.province.name, f"m:p:{t.province.code}"
        rows.append([InlineKeyboardButton(label[:60], callback_data=data)])
    return InlineKeyboardMarkup(rows)


async def _resolve(
    update: Update, context: BotContext, action: Action, query: str
) -> Target | None:
    """The place typed (or the officer's only one); a pending step when none or ambiguous."""
    services = context.services
    user_id = await person_of(update, context)
    try:
        if query:
            return await services.summaries.resolve(query)
        only = await services.results.default_target(Actor(user_id))
        if only is not None:
            return only
    except SummaryRefused as exc:
        if exc.error is SummaryError.AMBIGUOUS and action is Action.VIEW_SUMMARY:
            await services.summaries.await_name(await who_of(update, context))
            candidates = _candidates(cast(list[Target], exc.details.get("candidates", [])))
            await reply(update, "officer_summary_pick.html", candidates, query=query)
            return None
        await reply(
            update, "officer_summary_refused.html", error=exc.error.value, details=exc.details
        )
        return None
    if action is Action.VIEW_SUMMARY:
        await services.summaries.await_name(await who_of(update, context))
        await reply(update, "officer_summary_ask_name.html")
    else:
        await reply(update, "officer_summary_usage.html")
    return None


async def _target(update: Update, context: BotContext, action: Action) -> Target | None:
    """The commune or province asked for (or the officer's only one)."""
    return await _resolve(update, context, action, command_args(update))


async def _report(
    update: Update, context: BotContext, action: Action, target: Target
) -> CommuneReport | ProvinceReport | None:
    """The report, checked and audited by the domain; None after saying why not."""
    try:
        return await context.services.results.report(
            Actor(await person_of(update, context)), target, action
        )
    except Forbidden:
        await reply(update, "officer_forbidden.html")
    except SummaryRefused as exc:
        await reply(
            update, "officer_summary_refused.html", error=exc.error.value, details=exc.details
        )
    return None


async def _outputs(
    context: BotContext, report: CommuneReport | ProvinceReport, *fmts: Format
) -> list[Output]:
    """The report in each format, its households (and answers, for XLSX) read once."""
    services = context.services
    tz, now = services.settings.timezone, services.env.now()
    if isinstance(report, ProvinceReport):
        return [province_output(report, fmt, tz=tz, now=now) for fmt in fmts]
    answers = await services.summaries.export_answers(report) if Format.XLSX in fmts else None
    homes = await services.households.issued_by_village(report.summary.commune.code)
    return [
        commune_output(
            report,
            fmt,
            tz=tz,
            now=now,
            answers=answers if fmt is Format.XLSX else None,
            village_households=homes,
        )
        for fmt in fmts
    ]


async def _send(update: Update, output: Output, *, photo: bool = False) -> None:
    chat = update.effective_chat
    assert chat is not None
    upload = InputFile(io.BytesIO(output.content), filename=output.filename)
    if photo:
        await chat.send_photo(upload)
    else:
        await chat.send_document(upload)


async def _show(update: Update, context: BotContext, target: Target) -> None:
    report = await _report(update, context, Action.VIEW_SUMMARY, target)
    if report is None:
        return
    if isinstance(report, ProvinceReport):
        # to drill down
        await context.services.summaries.await_name(await who_of(update, context))
        await reply(update, "officer_province.html", report=report)
    else:
        await reply(update, "officer_summary.html", report=report)
    (chart,) = await _outputs(context, report, Format.PNG)
    await _send(update, chart, photo=True)


async def summary_command(update: Update, context: BotContext) -> None:
    """The headline, verdict and weakest questions (or the province table), with the chart."""
    target = await _target(update, context, Action.VIEW_SUMMARY)
    if target is not None:
        await _show(update, context, target)


async def typed_name(update: Update, context: BotContext, pending: Pending) -> bool:
    """The place name typed after /summary asked for one; False when none was asked for."""
    if not await context.services.summaries.take_pending_name(
        await person_of(update, context), pending
    ):
        return False
    text = text_of(update).strip()[:100]
    target = await _resolve(update, context, Action.VIEW_SUMMARY, text) if text else None
    if not text:
        await reply(update, "officer_summary_ask_name.html")
        await context.services.summaries.await_name(await who_of(update, context))
    elif target is not None:
        await _show(update, context, target)
    return True


async def on_pick(update: Update, context: BotContext) -> None:
    """m:c:<code> / m:p:<code>: one of the candidates offered for an ambiguous name."""
    match = _PICK.fullmatch(query_of(update).data or "")
    if match is None:
        await alert(update, "alert_invalid_button.html")
        return
    try:
        target = await context.services.summaries.by_code(match[1], int(match[2]))
    except SummaryRefused:
        await alert(update, "alert_invalid_button.html")
        return
    await query_of(update).answer()
    person_id = await person_of(update, context)
    await context.services.summaries.take_pending_name(
        person_id, await context.services.pending.of(person_id)
    )
    await _show(update, context, target)


async def report_command(update: Update, context: BotContext) -> None:
    """The printable HTML report as a document."""
    target = await _target(update, context, Action.EXPORT)
    report = await _report(update, context, Action.EXPORT, target) if target else None
    if report is not None:
        for output in await _outputs(context, report, Format.HTML):
            await _send(update, output)


async def export_command(update: Update, context: BotContext) -> None:
    """The XLSX workbook and the CSV of the scores, as documents."""
    target = await _target(update, context, Action.EXPORT)
    report = await _report(update, context, Action.EXPORT, target) if target else None
    if report is not None:
        for output in await _outputs(context, report, Format.XLSX, Format.CSV):
            await _send(update, output)
