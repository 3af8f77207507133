"""The daily job that removes identities of residents inactive for the retention period and
purges old handled Zalo webhook events."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from handlers.telegram.context import BotContext

log = logging.getLogger(__name__)
JOB_NAME = "retention"


async def run_retention(context: BotContext) -> None:
    """Erases expired identities; the count goes to the log, never who they were."""
    erased = await context.services.privacy.run_retention()
    if erased:
        log.info("retention: removed the identity of %d inactive residents", erased)


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Daily, first a minute after start; with retention off it only purges the Zalo inbox."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        run_retention, interval=timedelta(days=1), first=timedelta(minutes=1), name=JOB_NAME
    )
