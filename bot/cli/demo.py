"""`ykien demo` and `ykien sandbox`: the whole system offline, each on a database of its own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.cli.registry import Arg, Commands, Db
from bot.config import Config

COMMANDS = Commands()


@COMMANDS.standalone(
    "demo",
    Arg("--residents", type=int, default=200),
    Arg("--seed", type=int, default=2026),
    help="chạy toàn hệ thống ngoại tuyến với sandbox",
    db=Db.OWN,
)
def demo(config: Config, args: argparse.Namespace) -> int:
    from bot.demo import demo  # the sandbox and simulated residents: loaded only for these

    return asyncio.run(demo(config, residents=args.residents, seed=args.seed))


@COMMANDS.standalone(
    "sandbox",
    Arg("--port", type=int, default=8765, help="cổng của trang trên 127.0.0.1 (mặc định 8765)"),
    help="trang tập huấn: trò chuyện với bot trong trình duyệt",
    db=Db.OWN,
)
def sandbox(config: Config, args: argparse.Namespace) -> int:
    from bot.training import serve

    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve(config, args.port))
    return 0
