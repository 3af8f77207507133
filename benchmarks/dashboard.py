"""The dashboard's pages at scale: the province table and a commune page over real HTTP.

    python -m benchmarks.dashboard [--sizes 10k,1m] [--province 1] [--repeat 40]

Uses the summary benchmark's databases (benchmarks/summary.py: every commune with one round,
answers spread evenly; built once and cached in /tmp), copied so that the sessions and audit
entries written here leave the cache as it was. An officer of the province signs in through
the one-time link like a person would; each page is then fetched --repeat times through the
dashboard's own aiohttp application on 127.0.0.1 (session check, access check, audit write,
figures, template), after two warm-up fetches.

Prints per size and page: p50 and p95 of the fetch time, the page weight (the HTML; the chart
PNG is a separate request and printed apart), and the growth of p95 from the smallest size to
the largest. Targets: province page p95 <= 200 ms at the largest size, growth <= 2x, page
weight <= 150 KB for a province of 130 communes (the default, Hà Nội, has 126).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from summary import prepare

from handlers.web.app import build_web_app
from surveys.access import Actor, Role
from surveys.services import Services

OFFICER = 42
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


async def _timed(client: TestClient, path: str, repeat: int) -> tuple[list[float], int]:
    for _ in range(2):
        assert await (await client.get(path)).read(), path
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path)
        body = await response.read()
        times.append(time.perf_counter() - started)
        assert response.status == 200, (path, response.status)
        size = len(body)
    return times, size


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


async def measure(db: Path, province: int, repeat: int) -> dict[str, tuple[float, float, int]]:
    services = await Services.open(str(db))
    server = TestServer(build_web_app(services, secure=False), host="127.0.0.1", port=0)
    client = TestClient(server)
    await client.start_server()
    try:
        await services.access.grant(OFFICER, Role.OFFICER, province=province)
        path = "/d/in/" + await services.signin.chat_link(Actor(OFFICER))
        csrf = _CSRF.search(await (await client.get(path)).text())
        assert csrf is not None
        signed = await client.post(path, data={"csrf": csrf[1]}, allow_redirects=False)
        assert signed.status == 303
        # The commune with the most answers (at 10k most communes have none).
        board = await services.dashboard.province(Actor(OFFICER), province)
        commune = max(board.rows, key=lambda r: r.registered).commune.code
        out = {}
        for name, page in (
            ("province", f"/d/p/{province}"),
            ("commune", f"/d/c/{commune}"),
            ("province chart", f"/d/p/{province}/chart.svg"),
        ):
            times, size = await _timed(client, page, repeat if "chart" not in name else 5)
            out[name] = (statistics.median(times), _p95(times), size)
        return out
    finally:
        await client.close()
        await services.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,1m", help="comma list of 10k, 100k, 1m, 10m")
    parser.add_argument("--province", type=int, default=1, help="province code (1: Hà Nội)")
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    results = {}
    for size in args.sizes.split(","):
        cached = await prepare(size)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "dashboard.db"
            await asyncio.to_thread(shutil.copyfile, cached, copy)
            results[size] = await measure(copy, args.province, args.repeat)
        for page, (p50, p95, size_bytes) in results[size].items():
            print(
                f"{size:>4} {page:<15} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                f"{size_bytes / 1024:7.1f} KB"
            )
    first, last = next(iter(results.values())), list(results.values())[-1]
    for page in first:
        print(f"growth {page:<15} p95 x{last[page][1] / first[page][1]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
