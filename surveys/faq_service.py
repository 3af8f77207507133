"""The FAQ as residents and operators use it: ask, browse, give feedback, import, export, review.

The database holds the FAQ (shipped entries are synced into it at start; imported and
staff-made entries live beside them); the matcher is rebuilt from it after every change, so a
new entry answers the next question.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from rapidfuzz import fuzz

from storage import faq as faq_db
from storage import people as people_db
from storage.faq import AskRow, FaqCategoryRow, FaqEntryRow
from storage.people import Who
from surveys import faq_content
from surveys.access import AccessService, Action, Actor, Scope
from surveys.env import Env
from surveys.faq_match import Match, MatchConfidence, Matcher
from surveys.text import fold

MAX_STORED_TEXT = 1000  # what is kept of a (possibly 4,000-character) question
STALE_AFTER = timedelta(days=365)
REVIEW_LIMIT = 200  # unmatched questions read by `faq review`
SIMILAR = 70  # rapidfuzz token_set_ratio at which two unmatched questions are grouped


class FeedbackOutcome(StrEnum):
    STORED = "stored"
    UNKNOWN = "unknown"  # no such answer was shown (forged or stale button)
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class Asked:
    """A question and what the FAQ made of it; ask_id is None when nothing was stored."""

    text: str
    match: Match
    ask_id: int | None
    entries: dict[str, FaqEntryRow]


@dataclass(frozen=True)
class ImportReport:
    """What an import changed, entry by entry."""

    added: list[FaqEntryRow]
    updated: list[FaqEntryRow]  # with the origin they had before
    unchanged: list[FaqEntryRow]


class ReplaceRefused(Exception):
    """The file would overwrite entries shipped with ykien or made by staff (see import_file)."""

    def __init__(self, entries: list[FaqEntryRow]) -> None:
        super().__init__(", ".join(e.id for e in entries))
        self.entries = entries


@dataclass(frozen=True)
class Review:
    stale: list[FaqEntryRow]
    unhelpful: list[tuple[FaqEntryRow, int, int]]  # entry, 👎, 👍
    unmatched: list[list[str]]  # groups of similar questions, largest first


class FaqService:
    def __init__(self, env: Env, access: AccessService, root: Path | None = None) -> None:
        self.env = env
        self.access = access
        self.root = root or faq_content.package_dir()
        self._matcher: Matcher | None = None
        self._by_id: dict[str, FaqEntryRow] | None = None

    async def sync_package(self) -> None:
        """Makes the stored shipped entries exactly those of `root`; imported or staff entries
        are kept. A shipped entry withdrawn from the package is removed (with its feedback), so
        it can no longer answer anyone."""
        categories, entries = faq_content.load_dir(self.root)
        async with self.env.db.transaction() as conn:
            await faq_db.replace_categories(conn, categories)
            for entry in entries:
                await faq_db.upsert_entry(conn, entry, self.env.now(), keep_other_origins=True)
            await faq_db.delete_unlisted(conn, "package", [e.id for e in entries])
        self.reload()

    def reload(self) -> None:
        """Forgets the cached entries and index: the next question reads them again. Building
        the index is left to first use, so start-up and command-line runs don't pay for it."""
        self._by_id = None
        self._matcher = None

    async def _entries(self) -> dict[str, FaqEntryRow]:
        if self._by_id is None:
            rows = await faq_db.list_entries(self.env.db.conn)
            self._by_id = {e.id: e for e in rows}
        return self._by_id

    async def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = _matcher_for(tuple((await self._entries()).values()))
        return self._matcher

    async def categories(self) -> list[FaqCategoryRow]:
        return await faq_db.list_categories(self.env.db.conn)

    async def entries(self, category: str | None = None) -> list[FaqEntryRow]:
        found = sorted((await self._entries()).values(), key=lambda e: (e.category, e.id))
        return [e for e in found if category is None or e.category == category]

    async def entry(self, entry_id: str) -> FaqEntryRow | None:
        return (await self._entries()).get(entry_id)

    async def ask(self, who: Who, text: str) -> Asked:
        """Matches a typed question and records it (for feedback, hand-off and review)."""
        matcher = await self.matcher()
        match = matcher.match(text)
        if not match.meaningful:
            return Asked(text, match, None, {})
        confident = match.verdict is MatchConfidence.CONFIDENT
        best = match.best.entry_id if confident and match.best else None
        async with self.env.db.transaction() as conn:
            person_id = await people_db.ensure(conn, who, self.env.now())
            ask_id = await faq_db.insert_ask(
                conn, person_id, text[:MAX_STORED_TEXT], match.verdict.value, best, self.env.now()
            )
        by_id = await self._entries()
        entries = {c.entry_id: by_id[c.entry_id] for c in match.candidates}
        return Asked(text, match, ask_id, entries)

    async def own_ask(self, person_id: int, ask_id: int) -> AskRow | None:
        ask = await faq_db.get_ask(self.env.db.conn, ask_id)
        return ask if ask is not None and ask.resident_id == person_id else None

    async def feedback(self, person_id: int, ask_id: int, helpful: bool) -> FeedbackOutcome:
        """👍/👎 on an answer the bot gave this resident; anything else is refused."""
        ask = await faq_db.get_ask(self.env.db.conn, ask_id)
        if ask is None or ask.entry_id is None:
            return FeedbackOutcome.UNKNOWN
        if ask.resident_id != person_id:
            return FeedbackOutcome.NOT_YOURS
        async with self.env.db.transaction() as conn:
            await faq_db.set_feedback(conn, ask_id, ask.entry_id, helpful, self.env.now())
        return FeedbackOutcome.STORED

    async def pick(self, person_id: int, ask_id: int, entry_id: str) -> FaqEntryRow | None:
        """A resident chose one of the offered candidates; feedback then refers to it."""
        ask = await self.own_ask(person_id, ask_id)
        entry = await self.entry(entry_id)
        if ask is None or ask.verdict != MatchConfidence.UNSURE.value or entry is None:
            return None
        async with self.env.db.transaction() as conn:
            await faq_db.set_ask_entry(conn, ask_id, entry_id)
        return entry

    async def import_file(self, actor: Actor, path: Path, *, replace: bool = False) -> ImportReport:
        """Validates the whole file, then stores every changed entry in one transaction (or
        none). An entry whose content is already stored keeps its origin, so exporting and
        importing the FAQ again leaves shipped entries shipped and their updates still apply.
        Changing a shipped or staff-made entry needs `replace` (the entry then becomes an
        imported one, which later shipped updates leave alone); raises ReplaceRefused, or
        Forbidden (audited) for anyone but an administrator: the FAQ is every commune's."""
        await self.access.require(actor, Action.MANAGE_FAQ, Scope())
        categories = {c.id for c in await self.categories()}
        entries = faq_content.load_entries(path, categories)
        stored = await self._entries()
        added, updated, unchanged = [], [], []
        for entry in entries:
            old = stored.get(entry.id)
            if old is None:
                added.append(entry)
            elif dataclasses.replace(entry, origin=old.origin) == old:
                unchanged.append(old)
            else:
                updated.append(old)
        protected = [e for e in updated if e.origin != "import"]
        if protected and not replace:
            raise ReplaceRefused(protected)
        changed = {e.id for e in added} | {e.id for e in updated}
        async with self.env.db.transaction() as conn:
            for entry in entries:
                if entry.id in changed:
                    await faq_db.upsert_entry(conn, entry, self.env.now(), keep_other_origins=False)
        self.reload()
        if changed:
            detail = f"import faq {len(added)} added {len(updated)} updated"
            await self.access.audit(actor, Action.MANAGE_FAQ, Scope(), detail=detail)
        return ImportReport(added, updated, unchanged)

    async def add(self, entry: FaqEntryRow) -> None:
        """A staff-made entry (already validated by the caller); the matcher sees it at once."""
        async with self.env.db.transaction() as conn:
            await faq_db.upsert_entry(conn, entry, self.env.now(), keep_other_origins=False)
        self.reload()

    async def export(self) -> str:
        rows = await self.entries()
        return "\n".join(faq_content.entry_to_toml(e) for e in rows)

    async def review(self, today: date) -> Review:
        rows = await self.entries()
        stale = [e for e in rows if e.reviewed < today - STALE_AFTER]
        by_id = {e.id: e for e in rows}
        unhelpful = [
            (by_id[eid], down, up)
            for eid, down, up in await faq_db.unhelpful_counts(self.env.db.conn)
            if eid in by_id
        ]
        texts = await faq_db.unmatched_texts(self.env.db.conn, REVIEW_LIMIT)
        return Review(stale, unhelpful, group_similar(texts))


def group_similar(texts: list[str]) -> list[list[str]]:
    """Greedy grouping of folded texts by token-set similarity, largest groups first."""
    groups: list[tuple[str, list[str]]] = []
    for text in texts:
        key = fold(text)
        for head, members in groups:
            if fuzz.token_set_ratio(key, head) >= SIMILAR:
                members.append(text)
                break
        else:
            groups.append((key, [text]))
    return sorted((m for _, m in groups), key=len, reverse=True)


def staff_entry(
    entry_id: str, category: str, question: str, answer: str, today: date
) -> FaqEntryRow:
    """An entry from a staff answer: the resident's words, with and without diacritics."""
    phrasings = tuple(dict.fromkeys([" ".join(question.split()), fold(question)]))
    return FaqEntryRow(entry_id, category, phrasings, answer.strip(), "", today, "staff")


@functools.lru_cache(maxsize=8)
def _matcher_for(rows: tuple[FaqEntryRow, ...]) -> Matcher:
    """The index depends only on the entries (a read-only structure): built once per FAQ."""
    return Matcher(rows)
