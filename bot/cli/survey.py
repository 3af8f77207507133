"""`ykien survey list|show|add`: the surveys of the catalog and the ones added from files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli.registry import Arg, Commands
from bot.cli.support import CliError
from handlers.views.texts import render
from surveys.definitions import survey_to_dict
from surveys.services import Services

COMMANDS = Commands(groups={"survey": "bộ câu hỏi"})


@COMMANDS.command("survey list")
async def surveys(services: Services, args: argparse.Namespace) -> str:
    return render("cli_surveys.txt", surveys=await services.rounds.surveys())


@COMMANDS.command("survey show", Arg("id"))
async def show(services: Services, args: argparse.Namespace) -> str:
    survey = await services.rounds.survey(args.id)
    if survey is None:
        raise CliError("cli_error.txt", reason="unknown_survey", value=args.id)
    return json.dumps(survey_to_dict(survey), ensure_ascii=False, indent=2)


@COMMANDS.command("survey add", Arg("file"))
async def add(services: Services, args: argparse.Namespace) -> str:
    """A bad file raises SurveyFileError, which the dispatcher says (nothing is stored)."""
    survey = await services.rounds.add_survey(Path(args.file))
    return render("cli_survey_added.txt", survey=survey)
