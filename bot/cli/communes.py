"""`ykien communes list`, `provinces list` and `link`: the official codes and a commune's link."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.output import write_output
from bot.cli.registry import Arg, Commands, Output
from bot.cli.support import known_commune
from handlers.views.texts import render
from surveys.env import BotUnknown
from surveys.links import web_link
from surveys.services import Services

COMMANDS = Commands(
    groups={"communes": "xã, phường", "provinces": "tỉnh, thành phố và mã của chúng"}
)


@COMMANDS.command("communes list", Arg("--province", type=int), Arg("--search"))
async def communes(services: Services, args: argparse.Namespace) -> str:
    if args.search:
        found = await services.residents.find_communes(args.search, args.province)
    else:
        found = await services.residents.communes(args.province)
    return render("cli_communes.txt", communes=found)


@COMMANDS.command("provinces list")
async def provinces(services: Services, args: argparse.Namespace) -> str:
    return render("cli_provinces.txt", provinces=await services.residents.provinces())


@COMMANDS.command(
    "link",
    Arg("--commune", type=int, required=True),
    Output(
        "--qr",
        metavar="POSTER.html|POSTER.png",
        help="áp phích A4 có mã QR (HTML hoặc PNG)",
        suffixes=frozenset({".html", ".png"}),
    ),
    help="đường link tham gia của xã (và mã QR)",
    links=True,
)
async def link(services: Services, args: argparse.Namespace) -> str:
    commune = await known_commune(services, args.commune)
    token = await services.residents.join_token(commune.code)
    assert token is not None
    web_url = services.settings.web_url
    try:
        url: str | None = services.residents.join_link(token)
    except BotUnknown:
        if not web_url:
            raise
        url = None  # a web-only deployment: the e-sheet's link alone
    web = web_link(web_url, commune.code) if web_url else None
    if args.qr:
        from bot.posters import Code, write_poster

        codes = [Code(c, u) for c, u in (("telegram", url), ("web", web)) if u]

        async def poster(path: Path) -> None:
            await asyncio.to_thread(write_poster, commune, codes, path)

        await write_output(args, poster)
    return render("cli_link.txt", commune=commune, url=url, web=web, qr=args.qr)
