"""`ykien village add|list|rename|remove`: the villages (thôn) residents pick from."""

from __future__ import annotations

import argparse

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError, known_commune
from handlers.views.texts import render
from surveys.access import Actor
from surveys.services import Services
from surveys.villages import VillageRefused

COMMANDS = Commands(groups={"village": "thôn, tổ dân phố"})
COMMUNE = Arg("--commune", type=int, required=True)


@COMMANDS.command("village add", COMMUNE, Arg("names", nargs="+"), help="thêm thôn")
async def add(services: Services, args: argparse.Namespace) -> str:
    commune = await known_commune(services, args.commune)
    try:
        added = await services.villages.add_names(Actor.operator(), commune.code, args.names)
    except VillageRefused as exc:
        raise _refused(exc) from exc
    return render("cli_villages_added.txt", commune=commune, added=added)


@COMMANDS.command("village list", COMMUNE, help="các thôn của xã")
async def listed(services: Services, args: argparse.Namespace) -> str:
    commune = await known_commune(services, args.commune)
    opened = await services.villages.open(Actor.operator(), commune.code)
    assert opened is not None  # known_commune found it
    found = opened[1]
    return render("cli_villages.txt", commune=commune, villages=found)


@COMMANDS.command(
    "village rename",
    COMMUNE,
    Arg("old", metavar="OLD"),
    Arg("new", metavar="NEW"),
    help="đổi tên thôn (câu trả lời và mã hộ giữ nguyên)",
)
async def rename(services: Services, args: argparse.Namespace) -> str:
    commune = await known_commune(services, args.commune)
    try:
        village, name = await services.villages.rename(
            Actor.operator(), commune.code, args.old, args.new
        )
    except VillageRefused as exc:
        raise _refused(exc) from exc
    return render("cli_village_changed.txt", village=village, new=name, removed=None)


@COMMANDS.command(
    "village remove",
    COMMUNE,
    Arg("name", metavar="NAME"),
    help="xóa thôn chưa có câu trả lời hay mã hộ",
)
async def remove(services: Services, args: argparse.Namespace) -> str:
    commune = await known_commune(services, args.commune)
    try:
        village, residents = await services.villages.remove(
            Actor.operator(), commune.code, args.name
        )
    except VillageRefused as exc:
        raise _refused(exc) from exc
    return render("cli_village_changed.txt", village=village, new=None, removed=residents)


def _refused(exc: VillageRefused) -> CliError:
    return CliError("cli_village_error.txt", reason=exc.reason, value=exc.value)
