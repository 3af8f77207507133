"""Typed text echoed inside an HTML reply is escaped: `/summary a<b` once made Telegram refuse
the reply ("Can't parse entities"), found by the property test."""

from __future__ import annotations

from tests.conftest import snapshot


async def test_summary_query_with_markup_is_escaped(harness) -> None:
    before = await snapshot(harness.services.db)
    for typed, shown in (("\U00109ec4<\x93Ä", "\U00109ec4<\x93Ä"), ("<b>x</b> <", "<b>x</b> <")):
        (reply,) = await harness.send(harness.user(5), f"/summary {typed}")
        assert reply == f'Không tìm thấy xã, phường hay tỉnh nào tên "{shown}".'
    assert await snapshot(harness.services.db) == before
