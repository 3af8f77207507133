"""The kept FAQ matcher: weighted term coverage with typo correction against the FAQ's words.

Why this one (benchmarks/faq.py measures it against SQLite FTS5, bm25s and rapidfuzz):
residents' messages are short, in any order, often misspelt and without diacritics. Each query
word is mapped to a word the FAQ uses (exactly, or within 1-2 edits, or split when two words
were typed together, or with two letters swapped in a three-letter word). An entry scores by
the share of the query's weight (idf) its phrasings cover, how much of its closest phrasing
the query covers, the share of the query's syllable pairs its phrasings hold (Vietnamese words
are mostly two syllables), and, as weaker evidence, the query words its answer uses. A word
the FAQ never uses counts against every entry, which is what lets "giá lúa hôm nay" get no
answer at all. An answer or a "did you mean" also needs the entry to share a real term with the
query (not one folded syllable such as "qua") and to hold a fair share of it: that is what
sends the lottery, football or a stomach ache to the plain "not covered" answer (issue 16).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from surveys.faq_syllables import is_syllable
from surveys.faq_terms import INTENT_PREFIX, STOPWORDS, terms
from surveys.faq_tones import ToneVocabulary

CONFIDENT = 0.45  # score at or above: answer directly
UNSURE = 0.30  # score at or above: offer candidates
MARGIN = 0.08  # a confident answer must beat the next entry by this much
MAX_CANDIDATES = 3
# Out of the FAQ's domain (chosen on faq_oos_dev.toml and the dev half of faq_eval.toml):
COVERED = 0.40  # the best related entry must hold this share of the query's word weight
ANSWER_SHARE = 0.5  # a query word only its answer uses counts this much towards that share
REPEATED = 2  # a pair of words the FAQ says this often is one of its words ("mật khẩu")
# How an entry's score blends its evidence (chosen on the dev half of the evaluation set).
W_COVER = 0.50  # share of the query's word weight found in the entry's phrasings
W_CLOSEST = 0.10  # share of the entry's closest phrasing that the query covers
W_PAIRS = 0.10  # share of the query's syllable pairs ("khai sinh") found in the phrasings
W_ANSWER = 0.20  # share of the query's word weight found in the answer (weaker evidence)
W_INTENT = 0.05  # asked the same way ("là gì", "ở đâu"): a tie-break, below MARGIN


class Phrased(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def questions(self) -> Sequence[str]: ...

    @property
    def answer(self) -> str: ...


class MatchConfidence(StrEnum):
    CONFIDENT = "confident"
    UNSURE = "unsure"
    NONE = "none"


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    question: str  # the entry's phrasing closest to the query
    score: float


@dataclass(frozen=True)
class Match:
    verdict: MatchConfidence
    candidates: tuple[Candidate, ...] = ()
    meaningful: bool = True  # False: no word at all (emoji, punctuation, greetings only)
    ranked: tuple[Candidate, ...] = ()  # the best few whatever the verdict (for measuring)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _max_edits(token: str) -> int:
    # Short syllables have too many one-edit neighbours ("noi"/"moi"): leave them alone.
    if len(token) >= 7:
        return 2
    return 1 if len(token) >= 4 else 0


class Matcher:
    """Built once from the entries (milliseconds); `match` is pure and thread-safe."""

    def __init__(self, entries: Iterable[Phrased]) -> None:
        self._phrasings: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self._terms: dict[str, frozenset[str]] = {}
        pairs_of: dict[str, frozenset[str]] = {}
        answer_of: dict[str, frozenset[str]] = {}
        df: Counter[str] = Counter()
        said: Counter[str] = Counter()  # how often the FAQ says each pair of words
        spoken_of: dict[str, frozenset[str]] = {}
        listed = list(entries)
        for entry in listed:
            spoken: set[str] = set()
            for text in (*entry.questions, entry.answer):
                found = pairs(content(text))
                said.update(found)
                spoken.update(found)
            spoken_of[entry.id] = frozenset(spoken)
            phrasings = [(q, frozenset(terms(q)) - STOPWORDS) for q in entry.questions]
            union = frozenset().union(*(t for _, t in phrasings))
            self._phrasings[entry.id] = phrasings
            self._terms[entry.id] = union
            pairs_of[entry.id] = frozenset(p for q in entry.questions for p in pairs(content(q)))
            answer_of[entry.id] = frozenset(content(entry.answer)) - union
            df.update(union)
            df.update(pairs_of[entry.id])
        n = max(len(self._terms), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._unknown = max(self._idf.values(), default=1.0)
        self._postings = _postings(self._terms)
        self._pair_postings = _postings(pairs_of)
        self._answer_postings = _postings(answer_of)
        self._answers = answer_of
        self._spoken = spoken_of
        # A pair the FAQ says more than once is one of its words ("mật khẩu"); said once, it is
        # more likely two words side by side by chance ("số miễn" in "chữ ký số miễn phí"),
        # unless an entry's title says it (titles are written with care; a small FAQ says
        # "nông sản" once).
        titles = (p for e in listed for p in pairs(content(e.questions[0])))
        self._compounds = frozenset(p for p, c in said.items() if c >= REPEATED).union(titles)
        # The FAQ's words by length: a word within k edits is at most k letters longer or shorter.
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(t for t in self._idf if " " not in t):
            self._by_length.setdefault(len(word), []).append(word)
        # Per entry, its phrasings with their idf mass (to measure the closest one).
        self._sized: dict[str, list[tuple[str, frozenset[str], float]]] = {
            eid: [(q, words, sum(self._idf[w] for w in words) or 1.0) for q, words in phrasings]
            for eid, phrasings in self._phrasings.items()
        }
        self._fixes: dict[str, tuple[str, ...]] = {}
        self._tones = ToneVocabulary(t for e in listed for t in (*e.questions, e.answer))

    def __len__(self) -> int:
        return len(self._terms)

    def correct(self, token: str) -> tuple[str, ...]:
        """The FAQ word(s) a typed word stands for; () when it is none of them."""
        if token in self._idf and " " not in token:
            return (token,)
        if token in self._fixes:
            return self._fixes[token]
        fixed: tuple[str, ...] = ()
        edits = _max_edits(token) if token.isalpha() else 0  # "2025" is not a typo of "2024"
        if is_syllable(token):
            # A real syllable ("bụng") was typed as meant: not a changed letter of "dùng".
            edits = 0
            swapped = {_swap(token, i) for i in range(len(token) - 1)} - {token}
            found_swaps = sorted(w for w in swapped if w in self._idf and " " not in w)
            if found_swaps:
                fixed = (max(found_swaps, key=lambda w: -self._idf[w]),)
        if edits:
            near = [
                w
                for size in range(len(token) - edits, len(token) + edits + 1)
                for w in self._by_length.get(size, ())
            ]
            found = process.extract(
                token, near, scorer=OSA.distance, score_cutoff=edits, limit=None
            )
            if found:
                best = min(d for _, d, _ in found)
                # Among the nearest words, the most common one is the likeliest intent.
                word = max((w for w, d, _ in found if d == best), key=lambda w: -self._idf[w])
                fixed = (word,)
        if not fixed and len(token) == 3 and token.isalpha() and not is_syllable(token):
            # Too short to guess an edit, but two swapped letters ("hna") are a slip of the thumb.
            swaps = {token[1] + token[0] + token[2], token[0] + token[2] + token[1]} - {token}
            found_swaps = sorted(w for w in swaps if w in self._idf)
            if found_swaps:
                fixed = (max(found_swaps, key=lambda w: -self._idf[w]),)
        if not fixed and len(token) >= 5 and not is_syllable(token):
            for cut in range(2, len(token) - 1):
                left, right = token[:cut], token[cut:]
                if left in self._idf and right in self._idf:
                    fixed = (left, right)
                    break
        self._fixes[token] = fixed
        return fixed

    def query_terms(self, text: str) -> tuple[list[str], int]:
        """Corrected content words of the query in order, and how many matched no FAQ word."""
        words: list[str] = []
        unknown = 0
        foreign = self._tones.foreign(text)
        for token in terms(text):
            if token in STOPWORDS:
                continue
            if token in foreign:
                unknown += 1  # "bão" is not the FAQ's "bao", however it folds
                continue
            fixed = self.correct(token)
            if fixed:
                words.extend(fixed)
            elif not token.isalpha():
                # A number or time the FAQ never uses ("4h") is no evidence either way.
                continue
            else:
                unknown += 1
        return words, unknown

    def rank(self, text: str, limit: int = MAX_CANDIDATES) -> tuple[list[Candidate], bool]:
        """Best entries first, and whether the query had any meaningful word."""
        ordered, unknown = self.query_terms(text)
        if not ordered and not unknown:
            return [], False
        # What the question asks for ("là gì", "ở đâu") only tells apart the entries its topic
        # words found: on its own it is no topic ("là gì" alone reads like "ạ").
        intents = {w for w in ordered if w.startswith(INTENT_PREFIX)}
        weights = {w: self._idf[w] for w in ordered if w not in intents}
        if not weights and not unknown:
            return [], False
        total = sum(weights.values()) + unknown * self._unknown
        score: dict[str, float] = {}
        _spread(score, weights, self._postings, W_COVER / total)
        _spread(score, weights, self._answer_postings, W_ANSWER / total)
        for intent in intents:
            for eid in self._postings.get(intent, ()):
                if eid in score:
                    score[eid] += W_INTENT
        known_pairs = {p: self._idf[p] for p in pairs(ordered) if p in self._idf}
        _spread(score, known_pairs, self._pair_postings, W_PAIRS / (sum(known_pairs.values()) or 1))
        # The closest phrasing adds at most W_CLOSEST: only entries that can still reach the
        # top `limit` need it measured (at 500 entries, a common word reaches most of them).
        if not score:
            return [], True
        floor = heapq.nlargest(limit, score.values())[-1] - W_CLOSEST
        best: list[Candidate] = []
        for eid, partial in score.items():
            if partial < floor:
                continue
            share, question = max(
                ((sum(v for w, v in weights.items() if w in words) / size, -i, q))
                for i, (q, words, size) in enumerate(self._sized[eid])
            )[::2]
            best.append(Candidate(eid, question, partial + W_CLOSEST * share))
        best.sort(key=lambda c: (-c.score, c.entry_id))
        return best[:limit], True

    def match(self, text: str) -> Match:
        ranked, meaningful = self.rank(text, MAX_CANDIDATES + 1)
        if not ranked or ranked[0].score < UNSURE:
            return Match(MatchConfidence.NONE, (), meaningful, tuple(ranked))
        ordered, unknown = self.query_terms(text)
        related = [c for c in ranked if self._anchored(ordered, c.entry_id)]
        if not related or self._coverage(ordered, unknown, related[0]) < COVERED:
            # Out of the FAQ's domain: what it shares with the best entry is a common syllable
            # ("quá", "số") or a small part of the question ("xổ số" in "kết quả xổ số").
            return Match(MatchConfidence.NONE, (), meaningful, tuple(ranked))
        top = related[0]
        runner = ranked[1].score if len(ranked) > 1 else 0.0
        if top is ranked[0] and top.score >= CONFIDENT and top.score - runner >= MARGIN:
            return Match(MatchConfidence.CONFIDENT, (top,), ranked=tuple(ranked))
        # "Did you mean": only entries that share a real term with the question.
        shortlist = tuple(c for c in related[:MAX_CANDIDATES] if c.score >= UNSURE)
        if not shortlist:
            return Match(MatchConfidence.NONE, (), meaningful, tuple(ranked))
        return Match(MatchConfidence.UNSURE, shortlist, ranked=tuple(ranked))

    def _anchored(self, ordered: Sequence[str], entry_id: str) -> bool:
        """Whether the entry shares a real term with the query: a word no Vietnamese syllable
        spells ("vneid", "otp") or a pair of words the FAQ says more than once ("mật khẩu").
        Single syllables are too ambiguous once folded ("qua": qua, quá, quà, quả)."""
        words, answer = self._terms[entry_id], self._answers[entry_id]
        if any(_is_term(w) and (w in words or w in answer) for w in ordered):
            return True
        spoken = self._spoken[entry_id]
        return any(p in self._compounds and p in spoken for p in pairs(ordered))

    def _coverage(self, ordered: Sequence[str], unknown: int, top: Candidate) -> float:
        """The share of the query's topic weight (words the FAQ does not know included) that the
        entry's phrasings hold, its answer counting for less."""
        weights = {w: self._idf[w] for w in ordered if not w.startswith(INTENT_PREFIX)}
        total = sum(weights.values()) + unknown * self._unknown
        words = self._terms[top.entry_id]
        answer = self._answers[top.entry_id]
        held = sum(v for w, v in weights.items() if w in words)
        told = sum(v for w, v in weights.items() if w in answer)
        return (held + ANSWER_SHARE * told) / (total or 1.0)


def _is_term(word: str) -> bool:
    return not word.startswith(INTENT_PREFIX) and not word.isdecimal() and not is_syllable(word)


def _swap(token: str, i: int) -> str:
    return token[:i] + token[i + 1] + token[i] + token[i + 2 :]


def content(text: str) -> list[str]:
    """The words of a text that carry meaning, in order."""
    return [t for t in terms(text) if t not in STOPWORDS]


def pairs(words: Sequence[str]) -> list[str]:
    """Neighbouring words as one term: most Vietnamese words are two syllables ("tạm trú")."""
    return [f"{a} {b}" for a, b in itertools.pairwise(words) if a != b]


def _postings(terms_of: dict[str, frozenset[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for eid, ts in terms_of.items():
        for t in ts:
            out.setdefault(t, []).append(eid)
    return out


def _spread(
    score: dict[str, float],
    weights: dict[str, float],
    postings: dict[str, list[str]],
    scale: float,
) -> None:
    """Adds to each entry its postings' share of the weight, times scale."""
    for w, v in weights.items():
        part = v * scale
        for eid in postings.get(w, ()):
            score[eid] = score.get(eid, 0.0) + part
