"""Officers' results in chat: /summary (message and chart), /report (HTML), /export (XLSX, CSV)."""

from __future__ import annotations

import io

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from handlers.context import BotContext
from handlers.replies import command_args, reply
from handlers.reports import Format, Output, commune_output, province_output
from surveys.access import Action, Actor, Forbidden, Role, Scope
from surveys.summaries import CommuneReport, ProvinceReport, SummaryRefused, Target


async def _target(update: Update, context: BotContext, action: Action) -> Target | None:
    """The commune or province asked for (or the officer's only one), once access is checked."""
    services = context.services
    user_id = update.effective_user.id
    query = command_args(update)
    try:
        if query:
            target = await services.summaries.resolve(query)
        else:
            grants = [
                g for g in await services.access.grants(user_id) if g.role == Role.OFFICER.value
            ]
            if len(grants) != 1:
                await reply(update, "officer_summary_usage.html")
                return None
            target = await services.summaries.target_of(grants[0])
        scope = (
            Scope(commune=target.commune.code)
            if target.commune
            else Scope(province=target.province.code if target.province else None)
        )
        await services.access.require(Actor(user_id), action, scope)
    except SummaryRefused as exc:
        await reply(
            update, "officer_summary_refused.html", error=exc.error.value, details=exc.details
        )
        return None
    except Forbidden:
        await reply(update, "officer_forbidden.html")
        return None
    await services.access.audit(Actor(user_id), action, scope)
    return target


async def _report(
    update: Update, context: BotContext, target: Target
) -> CommuneReport | ProvinceReport | None:
    summaries = context.services.summaries
    try:
        if target.commune is not None:
            return await summaries.commune(target.commune.code)
        assert target.province is not None
        return await summaries.province(target.province.code)
    except SummaryRefused as exc:
        await reply(
            update, "officer_summary_refused.html", error=exc.error.value, details=exc.details
        )
        return None


async def _output(
    context: BotContext, report: CommuneReport | ProvinceReport, fmt: Format
) -> Output:
    if isinstance(report, ProvinceReport):
        return province_output(report, fmt)
    services = context.services
    answers = await services.summaries.export_answers(report) if fmt is Format.XLSX else None
    return commune_output(
        report, fmt, tz=services.settings.timezone, now=services.env.now(), answers=answers
    )


async def _send(update: Update, output: Output, *, photo: bool = False) -> None:
    chat = update.effective_chat
    assert chat is not None
    upload = InputFile(io.BytesIO(output.content), filename=output.filename)
    if photo:
        await chat.send_photo(upload)
    else:
        await chat.send_document(upload)


async def summary_command(update: Update, context: BotContext) -> None:
    """The headline, verdict and weakest questions (or the province table), with the chart."""
    target = await _target(update, context, Action.VIEW_SUMMARY)
    if target is None:
        return
    report = await _report(update, context, target)
    if report is None:
        return
    if isinstance(report, ProvinceReport):
        await reply(update, "officer_province.html", report=report)
    else:
        await reply(update, "officer_summary.html", report=report)
    await _send(update, await _output(context, report, Format.PNG), photo=True)


async def report_command(update: Update, context: BotContext) -> None:
    """The printable HTML report as a document."""
    target = await _target(update, context, Action.EXPORT)
    report = await _report(update, context, target) if target else None
    if report is not None:
        await _send(update, await _output(context, report, Format.HTML))


async def export_command(update: Update, context: BotContext) -> None:
    """The XLSX workbook and the CSV of the scores, as documents."""
    target = await _target(update, context, Action.EXPORT)
    report = await _report(update, context, target) if target else None
    if report is not None:
        await _send(update, await _output(context, report, Format.XLSX))
        await _send(update, await _output(context, report, Format.CSV))


HANDLERS: list[BaseHandler] = [
    CommandHandler("summary", summary_command),
    CommandHandler("report", report_command),
    CommandHandler("export", export_command),
]
