"""Runs `ykien run` as a separate process against a sandbox: demo, kill -9 test, benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import IO

from bot.sandbox import Sandbox

TOKEN = "123456:SANDBOX"


class BotProcess:
    """The real bot in its own process, polling the sandbox's HTTP front or served by its
    webhook."""

    def __init__(
        self,
        sandbox: Sandbox,
        api_url: str,
        db_path: Path,
        *,
        extra_env: dict[str, str] | None = None,
        webhook: tuple[str, str | None] | None = None,  # (webhook URL, listen ADDR:PORT)
        web_listen: str | None = None,  # the one web server (then the webhook is served there)
        stderr: int | IO[bytes] | None = None,  # where its log goes (None: this process's)
        cwd: Path | None = None,  # run another checkout's code (benchmarks' baselines)
        profile: Path | None = None,  # cProfile the bot into this file (written at stop())
    ) -> None:
        self.sandbox = sandbox
        self.api_url = api_url
        self.db_path = db_path
        self.env = {**os.environ, "YKIEN_LOG_LEVEL": "WARNING", **(extra_env or {})}
        self.webhook = webhook
        self.web_listen = web_listen
        self.stderr = stderr
        self.cwd = cwd
        self.profile = profile
        if cwd is not None:
            self.env["PYTHONPATH"] = str(cwd)
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 - startup budget
        """Starts the bot and returns once it polls for updates (or has set its webhook)."""
        ready_call = "getUpdates" if self.webhook is None else "setWebhook"
        before = len(self.sandbox.calls_to(ready_call))
        mode = [] if self.webhook is None else ["--webhook-url", self.webhook[0]]
        if self.webhook is not None and self.webhook[1] is not None:
            mode += ["--listen", self.webhook[1]]
        if self.web_listen is not None:
            mode += ["--web-listen", self.web_listen]
        profiling = [] if self.profile is None else ["-m", "cProfile", "-o", str(self.profile)]
        self.proc = proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *profiling,
            "-m",
            "bot",
            "--db",
            str(self.db_path),
            "run",
            "--token",
            TOKEN,
            "--api-url",
            self.api_url,
            *mode,
            env=self.env,
            stderr=self.stderr,
            cwd=self.cwd,
        )
        await self.sandbox.wait_for(
            lambda: len(self.sandbox.calls_to(ready_call)) > before or proc.returncode,
            timeout=timeout,
            what=f"the bot process to call {ready_call}",
        )
        if self.proc.returncode is not None:
            raise RuntimeError(f"the bot exited at start with code {self.proc.returncode}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a power cut."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        """SIGINT, as Ctrl+C: PTB stops polling and closes the database."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
        return await self.proc.wait()
