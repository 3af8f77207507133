"""Which FAQ matcher to keep: accuracy, refusals and latency of each method on an eval file.

    python benchmarks/faq.py --eval tests/data/faq_eval.toml [--faq surveys/faq]
    python benchmarks/faq.py --eval tests/data/faq_fixture_eval.toml --faq tests/data/faq

Methods, all reading text through surveys.faq_terms (folding, đ, y/i, abbreviations):
  fts5       SQLite FTS5 over the folded phrasings, OR of the query's words, bm25 rank
  bm25s      bm25s over each entry's folded phrasings
  rapidfuzz  best token_set_ratio of the folded query against any phrasing
  kept       surveys.faq_match.Matcher: idf coverage with typo correction (the combination
             of rapidfuzz edit distance on words with BM25-like weights)
Each method sorts a query into confident / unsure / none by its own score thresholds. Printed:
top-1 and top-3 accuracy on in-scope queries, the share of out-of-scope queries not answered
confidently ("refused") and the share given the plain "not covered" answer with no suggestion at
all ("plain": neither an answer nor "did you mean"), the split, p50/p95 latency per query with
the FAQ as given and padded to 500 entries, and each method's ratio against the FTS5 baseline.

To tune without fitting the evaluation set, the queries are split for good by a hash of their
text into a dev half (look at its failures with --failures) and a held-out half (never looked
at); accuracy is printed for dev, held-out and all.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from storage.faq import FaqEntryRow  # noqa: E402
from surveys.faq_content import load_dir  # noqa: E402
from surveys.faq_match import Matcher  # noqa: E402
from surveys.faq_terms import content_terms  # noqa: E402

Ranked = tuple[list[tuple[str, float]], str]  # (entry id, score) best first; verdict


@dataclass
class Method:
    name: str
    build: Callable[[Sequence[FaqEntryRow]], Callable[[str], Ranked]]


def _verdict(scores: list[tuple[str, float]], confident: float, unsure: float) -> str:
    if not scores or scores[0][1] < unsure:
        return "none"
    return "confident" if scores[0][1] >= confident else "unsure"


def build_fts5(entries: Sequence[FaqEntryRow]) -> Callable[[str], Ranked]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(entry UNINDEXED, body)")
    db.executemany(
        "INSERT INTO f(entry, body) VALUES (?, ?)",
        [(e.id, " ".join(content_terms(q))) for e in entries for q in e.questions],
    )

    def rank(text: str) -> Ranked:
        words = content_terms(text)
        if not words:
            return [], "none"
        # Each word quoted: FTS syntax typed by a resident (OR, NEAR, *) stays plain text.
        query = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        best: dict[str, float] = {}
        for eid, s in db.execute(
            "SELECT entry, rank FROM f WHERE f MATCH ? ORDER BY rank", (query,)
        ):
            best.setdefault(eid, s)  # the entry's best phrasing comes first
        # rank (bm25) is negative, lower is better; per query word, so lengths compare fairly.
        scores = [(eid, -s / len(words)) for eid, s in list(best.items())[:3]]
        return scores, _verdict(scores, 1.2, 0.5)

    return rank


def build_bm25s(entries: Sequence[FaqEntryRow]) -> Callable[[str], Ranked]:
    import bm25s

    corpus = [content_terms(" ".join(e.questions)) for e in entries]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    ids = [e.id for e in entries]

    def rank(text: str) -> Ranked:
        words = content_terms(text)
        if not words:
            return [], "none"
        scores_all = retriever.get_scores(words)
        best = sorted(range(len(ids)), key=lambda i: -scores_all[i])[:3]
        scores = [(ids[i], float(scores_all[i]) / len(words)) for i in best if scores_all[i] > 0]
        return scores, _verdict(scores, 1.2, 0.5)

    return rank


def build_rapidfuzz(entries: Sequence[FaqEntryRow]) -> Callable[[str], Ranked]:
    phrasings = [(e.id, " ".join(content_terms(q))) for e in entries for q in e.questions]

    def rank(text: str) -> Ranked:
        query = " ".join(content_terms(text))
        if not query:
            return [], "none"
        best: dict[str, float] = {}
        for eid, phrase in phrasings:
            score = fuzz.token_set_ratio(query, phrase) / 100
            best[eid] = max(best.get(eid, 0.0), score)
        scores = sorted(best.items(), key=lambda kv: -kv[1])[:3]
        return scores, _verdict(scores, 0.85, 0.6)

    return rank


def build_kept(entries: Sequence[FaqEntryRow]) -> Callable[[str], Ranked]:
    matcher = Matcher(entries)

    def rank(text: str) -> Ranked:
        match = matcher.match(text)
        # What a resident is shown (an answer or "did you mean"), else the best entries.
        shown = match.candidates or match.ranked[:3]
        return [(c.entry_id, c.score) for c in shown], match.verdict.value

    return rank


METHODS = [
    Method("fts5", build_fts5),
    Method("bm25s", build_bm25s),
    Method("rapidfuzz", build_rapidfuzz),
    Method("kept", build_kept),
]


def padded(entries: Sequence[FaqEntryRow], size: int, seed: int = 7) -> list[FaqEntryRow]:
    """The FAQ plus generated entries up to `size`: each phrasing mixes 3 FAQ words (so common
    words reach many entries, the costly case) with 3 made-up syllables (a bigger FAQ has more
    words too)."""
    rng = random.Random(seed)
    words = [w for e in entries for q in e.questions for w in q.split()]
    onsets, rimes = (
        ["b", "c", "d", "g", "h", "k", "l", "m", "n", "ph", "qu", "s", "t", "th", "tr", "v", "x"],
        ["a", "ai", "an", "ang", "ao", "e", "em", "o", "oi", "u", "ui"],
    )
    out = list(entries)
    while len(out) < size:
        made_up = [rng.choice(onsets) + rng.choice(rimes) for _ in range(3)]
        questions = tuple(" ".join(rng.sample(words, 3) + made_up) for _ in range(3))
        out.append(
            FaqEntryRow(
                f"pad-{len(out)}", "dvc", questions, "x", "", entries[0].reviewed, "package"
            )
        )
    return out


def half(text: str) -> str:
    """'dev' or 'held': fixed by the query's text, so the split never moves."""
    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "held"


def failures(rank: Callable[[str], Ranked], queries: list[dict]) -> list[str]:
    """What went wrong on the given queries (for looking at the dev half only)."""
    out = []
    for q in queries:
        scores, verdict = rank(q["text"])
        ids = [f"{eid}:{s:.2f}" for eid, s in scores]
        top = scores[0][0] if scores else ""
        if q["expect"] and (verdict == "none" or top != q["expect"]):
            out.append(f"MISS {verdict:<9} want {q['expect']:<26} got {ids}  | {q['text']}")
        elif not q["expect"] and verdict == "confident":
            out.append(f"OOS  {verdict:<9} got {ids}  | {q['text']}")
    return out


def evaluate(rank: Callable[[str], Ranked], queries: list[dict]) -> dict[str, float]:
    inside = [q for q in queries if q["expect"]]
    outside = [q for q in queries if not q["expect"]]
    top1 = top3 = refused = plain = 0
    split = {"confident": 0, "unsure": 0, "none": 0}
    wrong_confident = 0
    for q in queries:
        scores, verdict = rank(q["text"])
        split[verdict] += 1
        ids = [eid for eid, _ in scores]
        if q["expect"]:
            top1 += bool(ids) and ids[0] == q["expect"] and verdict != "none"
            top3 += q["expect"] in ids[:3] and verdict != "none"
            wrong_confident += verdict == "confident" and ids[0] != q["expect"]
        else:
            refused += verdict != "confident"
            plain += verdict == "none"
    n = len(queries)
    return {
        "top1": top1 / max(len(inside), 1),
        "top3": top3 / max(len(inside), 1),
        "refused": refused / max(len(outside), 1),
        "plain": plain / max(len(outside), 1),
        "confident": split["confident"] / n,
        "unsure": split["unsure"] / n,
        "none": split["none"] / n,
        "wrong_confident": wrong_confident / max(len(inside), 1),
    }


def latency(rank: Callable[[str], Ranked], queries: list[dict], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            rank(q["text"])
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", required=True, type=Path)
    parser.add_argument("--faq", type=Path, default=ROOT / "surveys" / "faq")
    parser.add_argument("--pad", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--failures", action="store_true", help="list the kept method's dev-half failures"
    )
    args = parser.parse_args(argv)
    queries = tomllib.loads(args.eval.read_text(encoding="utf-8"))["query"]
    entries = load_dir(args.faq)[1]
    if not entries:
        print(f"no entries under {args.faq}/content", file=sys.stderr)
        return 2
    big = padded(entries, args.pad)
    inside = sum(bool(q["expect"]) for q in queries)
    print(
        f"{len(entries)} entries ({len(big)} padded), {inside} in-scope and "
        f"{len(queries) - inside} out-of-scope queries from {args.eval}"
    )
    halves = {
        "dev": [q for q in queries if half(q["text"]) == "dev"],
        "held": [q for q in queries if half(q["text"]) == "held"],
        "all": queries,
    }
    for name, subset in halves.items():
        n_in = sum(bool(q["expect"]) for q in subset)
        print(f"  {name}: {n_in} in-scope, {len(subset) - n_in} out-of-scope")
    head = (
        f"{'method':<10} {'half':<5} {'top1':>6} {'top3':>6} {'refused':>8} {'plain':>6} "
        f"{'conf':>6} {'unsure':>7} {'none':>6} {'wrongC':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{f'p50@{len(big)}':>8} {f'p95@{len(big)}':>8}"
    )
    print(head)
    results = {}
    for method in METHODS:
        try:
            rank = method.build(entries)
        except ImportError as exc:
            print(f"{method.name:<10} skipped: {exc}")
            continue
        p50, p95 = latency(rank, queries, args.rounds)
        big_p50, big_p95 = latency(method.build(big), queries, args.rounds)
        for name, subset in halves.items():
            stats = evaluate(rank, subset)
            times = f" {p50:7.3f} {p95:7.3f} {big_p50:8.3f} {big_p95:8.3f}" if name == "all" else ""
            print(
                f"{method.name:<10} {name:<5} {stats['top1']:6.1%} {stats['top3']:6.1%} "
                f"{stats['refused']:8.1%} {stats['plain']:6.1%} {stats['confident']:6.1%} "
                f"{stats['unsure']:7.1%} "
                f"{stats['none']:6.1%} {stats['wrong_confident']:7.1%}{times}"
            )
        results[method.name] = stats | {"p95": big_p95}
        if args.failures and method.name == "kept":
            print("\n".join(failures(rank, halves["dev"])))
    base = results.get("fts5")
    if base:
        for name, stats in results.items():
            print(
                f"{name}/fts5: top1 x{stats['top1'] / max(base['top1'], 1e-9):.2f}, "
                f"refused x{stats['refused'] / max(base['refused'], 1e-9):.2f}, "
                f"p95@{len(big)} x{stats['p95'] / max(base['p95'], 1e-9):.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
