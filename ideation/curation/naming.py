"""Readable names and extractive summaries for a suggested group of ideas.

Pure functions, no Flask. A group is described by the texts of its members ordered most
typical first (closest to the group's centre) and by the weights of the word stems that set
it apart from the other ideas (``distinctive``: stem -> weight, higher is more typical).

* The **name** is a phrase cut from the members' titles: the run of two to four words that
  begins and ends with a content word, that several members share, and whose words set the
  group apart most ("Bankjes in het park", not "bankj, park, zit"). When no phrase is shared,
  the two most distinctive words joined by "en"/"and" ("Fietsen en parkeren").
* The **summary** is extractive: the one or two sentences of the most typical members that
  carry the group's distinctive words best, in the ideas' own language, untouched.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from ideation.search.analyzers import analyzer_for

NAME_SAMPLE = 60  # typical members whose titles are searched for a shared phrase
SUMMARY_SAMPLE = 12  # typical members whose sentences may enter the summary
MAX_PHRASE_WORDS = 4
MAX_NAME = 80
SUMMARY_LENGTH = 260
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_AND = {"nl": "en", "en": "and"}


def title_of(text: str) -> str:
    """The first line of an idea's text (the title, as the services join them)."""
    return (text or "").strip().split("\n", 1)[0].strip()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def readable_name(texts: Sequence[str], distinctive: Mapping[str, float],
                  language: str) -> str:
    """A short phrase naming the group whose member texts are ``texts`` (most typical first)."""
    analyzer = analyzer_for(language)
    sample = [title_of(t) for t in texts[:NAME_SAMPLE]]
    shared: Counter[tuple[str, ...]] = Counter()
    words_of: dict[tuple[str, ...], tuple[str, ...]] = {}
    weight_of: dict[tuple[str, ...], float] = {}
    for title in sample:
        tagged = analyzer.tagged(title)
        seen: set[tuple[str, ...]] = set()
        for start in range(len(tagged)):
            if tagged[start][2]:
                continue  # a phrase starts with a content word
            for end in range(start + 1, min(len(tagged), start + MAX_PHRASE_WORDS)):
                if tagged[end][2]:
                    continue  # ... and ends with one
                run = tagged[start:end + 1]
                key = tuple(term for term, _word, _stop in run)
                if key in seen:
                    continue
                seen.add(key)
                shared[key] += 1
                if key not in words_of:
                    words_of[key] = tuple(word for _term, word, _stop in run)
                    content = [distinctive.get(term, 0.0) for term, _w, stop in run if not stop]
                    weight_of[key] = sum(content) / math.sqrt(len(run))
    needed = max(2, math.ceil(0.15 * len(sample)))
    candidates = [(count * weight_of[key], key) for key, count in shared.items()
                  if count >= needed and weight_of[key] > 0]
    if candidates:
        _score, best = max(candidates, key=lambda c: (c[0], -len(c[1]), c[1]))
        phrase = " ".join(words_of[best])
        if not phrase.isupper():
            phrase = phrase.lower()
        return _capitalised(phrase)[:MAX_NAME]
    return _word_name(texts, distinctive, language)


def _word_name(texts: Sequence[str], distinctive: Mapping[str, float], language: str) -> str:
    """The two most distinctive words as typed, joined: "Fietsen en parkeren"."""
    analyzer = analyzer_for(language)
    surfaces: dict[str, Counter[str]] = {}
    for text in texts[:NAME_SAMPLE]:
        for term, word in analyzer.words(text):
            if term in distinctive:
                surfaces.setdefault(term, Counter())[word.lower()] += 1
    ranked = sorted(surfaces, key=lambda term: (-distinctive[term], term))[:2]
    words = [min(surfaces[t].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
             for t in ranked]
    if not words:
        first = title_of(texts[0]) if texts else ""
        return _capitalised(first)[:MAX_NAME]
    return _capitalised(f" {_AND.get(language, 'and')} ".join(words))[:MAX_NAME]


def _sentences(text: str) -> list[str]:
    parts = [part.strip() for part in _SENTENCE_END.split(text or "")]
    return [part for part in parts if len(part) >= 12]


def extractive_summary(texts: Sequence[str], distinctive: Mapping[str, float],
                       language: str) -> str:
    """One or two sentences of the most typical members that carry the group's words best."""
    analyzer = analyzer_for(language)
    sample = list(texts[:SUMMARY_SAMPLE])
    # The descriptions say what the ideas are about; titles only when there are none.
    bodies = [(text or "").partition("\n")[2] for text in sample]
    if not any(_sentences(body) for body in bodies):
        bodies = [title_of(text) for text in sample]
    scored: list[tuple[float, int, int, str]] = []
    for rank, body in enumerate(bodies):
        for position, sentence in enumerate(_sentences(body)):
            if len(sentence) > SUMMARY_LENGTH:
                sentence = sentence[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "…"
            terms = {term for term, _word in analyzer.words(sentence)}
            if not terms:
                continue
            weight = sum(distinctive.get(term, 0.0) for term in terms) / math.sqrt(len(terms))
            # Slightly prefer the most typical ideas and their opening sentences.
            weight *= 1.0 / (1.0 + 0.05 * rank + 0.1 * position)
            scored.append((weight, rank, position, sentence))
    if not scored:
        return ""
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    chosen = [scored[0]]
    first_terms = {term for term, _w in analyzer.words(scored[0][3])}
    for candidate in scored[1:]:
        if candidate[1] == chosen[0][1]:
            continue  # the second sentence comes from another idea
        if len(chosen[0][3]) + len(candidate[3]) > SUMMARY_LENGTH:
            continue
        terms = {term for term, _w in analyzer.words(candidate[3])}
        overlap = len(terms & first_terms) / max(1, min(len(terms), len(first_terms)))
        if overlap < 0.6 and candidate[0] > 0:
            chosen.append(candidate)
            break
    return " ".join(_sentence_end(sentence) for _w, _r, _p, sentence in chosen)


def _sentence_end(sentence: str) -> str:
    sentence = _capitalised(sentence.strip())
    return sentence if sentence[-1:] in ".!?…" else sentence + "."
