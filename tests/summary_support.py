"""Residents answering through the real answering service, for the summary tests."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path

from surveys.model import QuestionKind
from surveys.services import Services
from tests.conftest import COMMUNE, SURVEY, FakeClock, tg_person


async def open_round(services: Services, clock: FakeClock, commune: int = COMMUNE) -> int:
    round_ = await services.rounds.open(commune, SURVEY, closes_at=clock.now + timedelta(days=7))
    return round_.id


async def answer(
    services: Services,
    user_id: int,
    *,
    scale: str = "4",
    overall: str = "1",
    comment: str | None = None,
    commune: int = COMMUNE,
    village: str | None = None,
) -> None:
    """Joins (if needed) and answers every question: `scale` to scale ones, `overall` to yes/no."""
    person = await tg_person(services, user_id)
    if await services.residents.membership(person) is None:
        await services.residents.join(person, f"R{user_id}", commune)
    if village is not None:
        found = [v for v in await services.residents.villages(commune) if v.name == village]
        await services.residents.choose_village(person, found[0].id)
    step = (await services.answering.current(person)).step
    assert step is not None
    for i, q in enumerate(step.survey.questions):
        if q.kind is QuestionKind.TEXT:
            if comment is None:
                result = await services.answering.skip(person, step.response.id, i)
            else:
                result = await services.answering.comment(person, comment)
        else:
            value = overall if q.kind is QuestionKind.YESNO else scale
            result = await services.answering.answer(person, step.response.id, i, value)
        assert result is not None and result.ok, (i, result)


async def second_survey(services: Services, folder: Path) -> str:
    """A copy of the catalog survey under another id: two surveys can then run at once."""
    source = resources.files("surveys.catalog").joinpath(f"{SURVEY}.toml").read_text("utf-8")
    path = folder / "second.toml"
    path.write_text(source.replace(f'id = "{SURVEY}"', 'id = "ntm-2026-b"', 1), "utf-8")
    return (await services.rounds.add_survey(path)).id
