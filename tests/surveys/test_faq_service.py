"""The FAQ service with the injected clock: package sync, staff entries, review."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.access import Actor
from surveys.faq_content import load_dir, package_dir
from surveys.faq_service import ReplaceRefused
from tests.conftest import tg_person

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "faq"


async def test_package_categories_are_the_agreed_ones(services) -> None:
    ids = [c.id for c in await services.faq.categories()]
    assert ids == [
        "vneid",
        "dvc",
        "lien-thong",
        "cu-tru",
        "y-te",
        "ky-so",
        "thanh-toan",
        "to-cong-nghe",
        "nong-san",
        "phan-anh",
        "ykien",
    ]
    assert (package_dir() / "content").is_dir()


async def test_review_stale_unhelpful_and_grouped_unmatched(services, clock) -> None:
    services.faq.root = FIXTURES
    await services.faq.sync_package()
    today = clock.now.date()
    down = await services.faq.ask(await tg_person(services, 1), "ocop")
    await services.faq.feedback(1, down.ask_id, helpful=False)
    up = await services.faq.ask(await tg_person(services, 2), "ocop là gì")
    await services.faq.feedback(2, up.ask_id, helpful=True)
    for user, text in [
        (1, "giá lúa hôm nay"),
        (2, "gia lua hom nay bao nhieu"),
        (3, "thời tiết ngày mai có mưa không"),
    ]:
        await services.faq.ask(await tg_person(services, user), text)
    review = await services.faq.review(today)
    assert [e.id for e in review.stale] == ["vneid-quen-mat-khau"]  # 2025-06-01 < 2025-11-23
    assert [(e.id, d, u) for e, d, u in review.unhelpful] == [("ocop-la-gi", 1, 1)]
    assert sorted(map(len, review.unmatched), reverse=True) == [2, 1]


async def test_sync_keeps_imported_and_staff_entries(services, tmp_path) -> None:
    services.faq.root = FIXTURES
    await services.faq.sync_package()
    changed = (FIXTURES / "content" / "ykien.toml").read_text(encoding="utf-8")
    path = tmp_path / "ykien.toml"
    path.write_text(changed.replace("Gõ /deletedata", "Gõ lệnh /deletedata"), encoding="utf-8")
    with pytest.raises(ReplaceRefused):  # a shipped entry is overwritten only on purpose
        await services.faq.import_file(Actor.operator(), path)
    report = await services.faq.import_file(Actor.operator(), path, replace=True)
    assert [e.id for e in report.updated] == ["ykien-xoa-du-lieu"]
    await services.faq.sync_package()  # a restart: the shipped text must not overwrite it
    entry = await services.faq.entry("ykien-xoa-du-lieu")
    assert entry.origin == "import" and entry.answer.startswith("Gõ lệnh")


async def test_sync_makes_shipped_entries_exactly_the_package(services, db) -> None:
    shipped = {e.id for e in await services.faq.entries()}
    assert len(shipped) >= 60  # the services fixture synced the real FAQ
    stamps = await db.conn.execute_fetchall("SELECT id, updated_at FROM faq_entries")
    await services.faq.sync_package()  # a restart with the same package touches nothing
    assert await db.conn.execute_fetchall("SELECT id, updated_at FROM faq_entries") == stamps
    services.faq.root = FIXTURES  # a package without most of those entries
    await services.faq.sync_package()
    fixture_ids = {e.id for e in load_dir(FIXTURES)[1]}
    assert {e.id for e in await services.faq.entries()} == fixture_ids
    assert len(await services.faq.matcher()) == len(fixture_ids)  # the index, rebuilt on use
