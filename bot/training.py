"""`ykien sandbox`: a training ground for commune staff, in the browser, offline.

The Telegram sandbox, the real bot polling it (in this process, through its HTTP front),
a fresh database seeded with one commune, its villages and an open round, and the page of
:mod:`bot.sandbox.page` where the trainer plays a resident, commune staff or an officer.
Staff and the officer get their roles the real way: an invitation link they open in chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot.app import App, build_application, open_services
from bot.cli.support import BAD_INPUT, OK
from bot.config import Config
from bot.demo import COMMUNES
from bot.sandbox import Sandbox, SandboxServer, SimUser
from bot.sandbox.chatview import Person
from bot.sandbox.page import build_page
from handlers.views.texts import render
from surveys.access import Role
from surveys.env import Clock, utc_now

COMMUNE = 3598  # Xã Tân Uyên, Lai Châu
SURVEY = "ntm-2026"
TOKEN = "123456:TRAINING"
FIRST_NAMES = ("Lan", "Hoa", "Mai", "Tuan", "Nam", "Linh", "Hung", "Thu")
STAFF_ID, OFFICER_ID, RESIDENT_ID = 2001, 3001, 1001
ROLE_WAIT = 15.0  # seconds for the bot to answer an invitation at start


@dataclass
class _Run:
    """One generation: its database, sandbox, API server and bot."""

    db_path: Path
    sandbox: Sandbox
    server: SandboxServer
    app: App
    join_payload: str
    persons: list[Person]


class Training:
    """The page's stage: the current generation, replaced whole on reset."""

    def __init__(self, config: Config, workdir: Path, *, clock: Clock = utc_now) -> None:
        self.config = config
        self.workdir = workdir
        self.clock = clock
        self.generation = 0  # reset count: the page reloads when it changes
        self._started = 0
        self._run: _Run | None = None
        self._lock = asyncio.Lock()

    @property
    def current(self) -> _Run:
        if self._run is None:
            raise RuntimeError("the training sandbox is not started")
        return self._run

    @property
    def sandbox(self) -> Sandbox:
        return self.current.sandbox

    @property
    def persons(self) -> list[Person]:
        return self.current.persons

    @property
    def db_path(self) -> Path:
        return self.current.db_path

    async def start(self) -> None:
        self._run = await self._start_run()

    async def stop(self) -> None:
        if self._run is not None:
            await _stop_run(self._run)
            self._run = None

    async def reset(self) -> None:
        """A new database, sandbox and bot; the old ones stop once the new one is ready."""
        async with self._lock:
            fresh = await self._start_run()
            old, self._run = self._run, fresh
            self.generation += 1
            if old is not None:
                old.sandbox.notify()  # open long polls of the old chats see the new generation
                await _stop_run(old)

    async def add_resident(self) -> Person:
        """One more resident (a new phone) with the same join link."""
        async with self._lock:
            run = self.current
            number = 1 + sum(p.role == "resident" for p in run.persons)
            person = Person(
                RESIDENT_ID + number - 1,
                "resident",
                number,
                FIRST_NAMES[(number - 1) % len(FIRST_NAMES)],
                (("join", f"/start {run.join_payload}"),),
            )
            run.sandbox.user(person.user_id, first_name=person.first_name)
            run.persons.insert(number - 1, person)
            return person

    async def settled(self) -> None:
        """The sandbox keeps an update until the next getUpdates confirms it, and PTB asks for
        more only after queueing what it got; its queue then counts each update until its
        handlers are done."""
        run = self.current
        sandbox = run.sandbox
        await sandbox.wait_for(lambda: sandbox.pending_updates == 0, what="the bot to poll")
        await run.app.update_queue.join()

    async def _start_run(self) -> _Run:
        self._started += 1
        db_path = self.workdir / f"ykien-{self._started}.db"  # a reset never reuses a file
        # The sandbox's bot has a name of its own: the one links are made for here.
        name = self.config.settings.bot_username or "ykien_bot"
        config = self.config.override(db_path=db_path, token=TOKEN, bot_username=name)
        join_payload, invitations = await _seed(config, self.clock)
        sandbox = Sandbox(bot_username=name)
        server = SandboxServer(sandbox)
        await server.start()
        try:
            app = await _start_bot(config.override(api_url=server.api_url), self.clock)
        except BaseException:
            await server.stop()
            raise
        run = _Run(db_path, sandbox, server, app, join_payload, [])
        try:
            await self._cast(run, invitations)
        except BaseException:
            await _stop_run(run)
            raise
        return run

    async def _cast(self, run: _Run, invitations: list[str]) -> None:
        """The first resident, and staff and an officer who open their invitation links."""
        sandbox = run.sandbox
        resident = Person(
            RESIDENT_ID, "resident", 1, FIRST_NAMES[0], (("join", f"/start {run.join_payload}"),)
        )
        sandbox.user(resident.user_id, first_name=resident.first_name)
        run.persons.append(resident)
        cast = (("staff", STAFF_ID, "Minh"), ("officer", OFFICER_ID, "Quang"))
        for (role, user_id, name), link in zip(cast, invitations, strict=True):
            user = sandbox.user(user_id, first_name=name)
            user.start(link.rsplit("start=", 1)[1])  # opens the invitation link, as in Telegram

            def welcomed(user: SimUser = user) -> bool:
                return bool(user.messages)

            await sandbox.wait_for(welcomed, ROLE_WAIT, what=f"the bot to welcome the {role}")
            run.persons.append(Person(user_id, role, 1, name))


async def _seed(config: Config, clock: Clock) -> tuple[str, list[str]]:
    """The commune, its villages, an open round, its join link and two invitations."""
    services = await open_services(config, clock=clock)
    try:
        await services.residents.add_villages(COMMUNE, list(COMMUNES[COMMUNE][1]))
        await services.broadcasts.open_round(
            COMMUNE, SURVEY, closes_at=services.env.now() + timedelta(days=14)
        )
        token = await services.residents.join_token(COMMUNE)
        links = [
            (await services.invitations.issue(role, communes=[COMMUNE])).link
            for role in (Role.STAFF, Role.OFFICER)
        ]
    finally:
        await services.close()
    return f"j{token}", links


async def _start_bot(config: Config, clock: Clock) -> App:
    """The real Application, polling the sandbox's HTTP front as it would poll Telegram."""
    app = build_application(config, clock=clock)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=None)
    await app.start()
    return app


async def _stop_run(run: _Run) -> None:
    app = run.app
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    await run.server.stop()


class TrainingServer:
    """The page on ``host:port`` over a started :class:`Training` (port 0: any free port)."""

    def __init__(self, training: Training, host: str = "127.0.0.1", port: int = 0) -> None:
        self.training = training
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def __aenter__(self) -> TrainingServer:
        await self.training.start()
        runner = web.AppRunner(
            build_page(self.training),
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=0.1,  # long polls of open pages are cancelled, not awaited
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:  # the port is taken: leave nothing running
            await runner.cleanup()
            await self.training.stop()
            raise
        self.port = int(runner.addresses[0][1])
        self._runner = runner
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.training.stop()


async def serve(config: Config, port: int) -> int:
    """`ykien sandbox`: serves until Ctrl+C; a port out of range or taken is refused."""
    if not 0 <= port <= 65535:
        print(render("cli_sandbox_error.txt", reason="bad_port", port=port), file=sys.stderr)
        return BAD_INPUT
    for noisy in ("apscheduler", "telegram.ext"):  # every job run and start-up step at INFO
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))
    workdir = Path(tempfile.mkdtemp(prefix="ykien-sandbox-"))
    try:
        async with TrainingServer(Training(config, workdir), port=port) as server:
            print(render("cli_sandbox_ready.txt", url=server.url, workdir=workdir), flush=True)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.get_running_loop().create_future()
    except OSError as exc:
        reason = {errno.EADDRINUSE: "port_busy", errno.EACCES: "port_denied"}.get(
            exc.errno or 0, "port_failed"
        )
        print(
            render("cli_sandbox_error.txt", reason=reason, port=port, error=exc.strerror),
            file=sys.stderr,
        )
        return BAD_INPUT
    return OK
