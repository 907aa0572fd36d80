"""Language analysers for idea search (Dutch and English).

Whoosh stores the pickled schema (analysers included) in the index's TOC file and
unpickles it in every process that opens the index, so an analyser pickles as a
reference to module-level code plus its language. Indexes built with the earlier
filter chain (RegexTokenizer | ... | StemFilter(stem_dutch)) still open, so keep
`stem_dutch` under its name until every index has been rebuilt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.dutch import DutchStemmer
from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.support.charset import accent_map

SUPPORTED_LANGUAGES = ("nl", "en")

# --- Dutch -------------------------------------------------------------------
# Whoosh ships the original Snowball Dutch stemmer. It only strips suffixes, which
# leaves several everyday plurals on a different stem than their singular
# ("kinderen" -> "kinder" but "kind" -> "kind"; "plannen" -> "plann"; "huizen" ->
# "huiz"; "mens" -> "men" but "mensen" -> "mens"). `stem_dutch` wraps Snowball
# with three small, closed corrections. Each can only merge stems, never split
# them, and index and query text go through the same function.

# 1. Irregular plurals (before Snowball). The "-eren" class (kind -> kinderen) is
# closed and no longer productive, and a handful of plurals change their vowel
# (stad -> steden). An explicit table is exact where a suffix rule would damage
# verbs ("veranderen", "leren", "besteden").
_IRREGULAR_PLURALS = {
    "kinderen": "kind",
    "eieren": "ei",
    "bladeren": "blad",
    "liederen": "lied",
    "runderen": "rund",
    "kalveren": "kalf",
    "lammeren": "lam",
    "volkeren": "volk",
    "raderen": "rad",
    "beenderen": "been",
    "gelederen": "gelid",
    "steden": "stad",
    "schepen": "schip",
    "smeden": "smid",
}
# Plurals that are also the head of compounds ("schoolkinderen", "paaseieren").
# Short or ambiguous forms are left out on purpose: "steden" would turn the verb
# "besteden" into "bestad", and "leden" would hit "geleden" ("ago").
_COMPOUND_HEADS = ("kinderen", "eieren", "bladeren", "liederen", "kalveren", "lammeren")

# 2. Singulars ending in consonant + "s", which Snowball strips as if it were the
# plural "-s" (mens -> men, fiets -> fiet, while their plurals "mensen", "fietsen"
# stem to "mens", "fiets"). Kept as they are; the list holds frequent words of
# civic text only, compounds such as "bakfiets" are not covered.
_KEEP_FINAL_S = frozenset(
    {"mens", "wens", "grens", "fiets", "kans", "dans", "gans", "plaats", "prins", "koers"}
    | {"beurs", "kers", "eis"}
)

_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
_SNOWBALL_NL = DutchStemmer()


def stem_dutch(word: str) -> str:
    """Stems one lowercased, accent-folded Dutch word (Snowball plus corrections).

    Besides the table and the list above:

    * "-ën" plurals after a vowel (ideeën, zeeën, knieën, categorieën) end in
      "eeen"/"ieen" once accents are folded; no Dutch singular does, so the "en"
      is dropped whether or not the writer typed the diaeresis.
    * Diminutive plurals "-jes" (bankjes, huisjes): Snowball keeps an "s" after
      a vowel, so they would not meet their singular "-je"; the "s" is dropped.
    * 3. After Snowball: Dutch spelling never ends a word in a doubled consonant,
      "z" or "v" (final devoicing), so a stem ending like that is a plural or verb
      with "-en" stripped; it is rewritten to the singular spelling ("plann" ->
      "plan", "huiz" -> "huis", "brieven" -> "brief"). Snowball itself does this
      only for "kk", "dd" and "tt".
    """
    if word in _KEEP_FINAL_S:
        return word
    singular = _IRREGULAR_PLURALS.get(word)
    if singular is not None:
        word = singular
    elif word.endswith(("eeen", "ieen")):
        word = word[:-2]
    elif word.endswith("jes") and len(word) > 5:
        word = word[:-1]
    elif word.endswith("eren"):
        for head in _COMPOUND_HEADS:
            # A real modifier (3+ letters) must precede the head, so only
            # compounds are rewritten.
            if word.endswith(head) and len(word) - len(head) >= 3:
                word = word[: -len(head)] + _IRREGULAR_PLURALS[head]
                break

    stem = _SNOWBALL_NL.stem(word)
    if len(stem) > 2:
        last = stem[-1]
        if last == stem[-2] and last in _CONSONANTS:
            stem = stem[:-1]
        elif last == "z":
            stem = stem[:-1] + "s"
        elif last == "v":
            stem = stem[:-1] + "f"
    return stem


# --- analysers ---------------------------------------------------------------

# Bounded caches: a word is stemmed once per process, not once per occurrence.
# Indexing spends most of its analysis time in Snowball otherwise; functools'
# cache is thread-safe and costs far less per call than Whoosh's LFU cache.
_STEM_CACHE_SIZE = 200_000
_SNOWBALL_EN = EnglishStemmer()


@lru_cache(maxsize=_STEM_CACHE_SIZE)
def _stem_nl(word: str) -> str:
    return stem_dutch(word)


@lru_cache(maxsize=_STEM_CACHE_SIZE)
def _stem_en(word: str) -> str:
    return _SNOWBALL_EN.stem(word)


_STEMMERS: dict[str, Callable[[str], str]] = {"nl": _stem_nl, "en": _stem_en}
# Whoosh's default tokeniser pattern ("3.141", "under_score" and "a*b" stay one word).
_WORD = default_pattern
# The same pattern with a non-capturing group, so that findall() gives whole words.
_WORDS = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
_MIN_WORD = 2


class IdeaAnalyzer(Analyzer):
    """Tokenise, lowercase, fold accents, drop stop words, stem: in one loop.

    Gives exactly the tokens of the Whoosh chain RegexTokenizer | LowercaseFilter |
    CharsetFilter(accent_map) | StopFilter(minsize=2) | StemFilter, including its
    positions (StopFilter renumbers the words after the first kept one) and the
    stopped tokens that highlighting asks for, but without a generator per filter
    per word, which made analysis half of a reindex. Pickles as its language only.
    """

    def __init__(self, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported search language: {language!r}")
        self.language = language
        self._setup()

    def _setup(self) -> None:
        # StopFilter(lang=...) would add Whoosh's English default list on top of the
        # language's own one ("as" and "have" are Dutch nouns), so use the list.
        self._stops = frozenset(stopwords_for_language(self.language))

    def __getstate__(self) -> dict[str, str]:
        return {"language": self.language}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.language = state["language"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdeaAnalyzer) and other.language == self.language

    def __hash__(self) -> int:
        return hash(self.language)

    def __repr__(self) -> str:
        return f"IdeaAnalyzer({self.language!r})"

    def __call__(  # noqa: PLR0913 - Whoosh's analyser protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs: Any,
    ) -> Iterator[Token]:
        # One Token object, yielded over and over, as Whoosh's tokenisers do.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        stops, term = self._stops, _TERMS[self.language]
        if tokenize:
            words: Iterable[tuple[int, str, int, int]] = (
                (number, m.group(), m.start(), m.end())
                for number, m in enumerate(_WORD.finditer(value))
            )
        else:
            words = ((0, value, 0, len(value)),)
        kept_pos = None
        for number, original, start, end in words:
            if no_morph:
                text = _fold(original)
                stopped = len(text) < _MIN_WORD or text in stops
            else:
                text, stopped = term(original)  # folded and, unless a stop word, stemmed
            if stopped:
                if removestops:
                    continue
                pos = start_pos + number
            else:
                pos = start_pos + number if kept_pos is None else kept_pos + 1
                kept_pos = pos
            token.text = text
            token.stopped = stopped
            if keeporiginal:
                token.original = original
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

    def spans(self, value: str) -> list[tuple[int, int, str]]:
        """(startchar, endchar, term) of every word of ``value``, stop words included.

        The tokens of ``self(value, chars=True, removestops=False)`` (stop words and one-letter
        words lowercased and folded only) without a Token object and two generators per word,
        and each distinct word folded and stemmed once per process: highlighting walks every
        word of each shown idea.
        """
        term = _TERMS[self.language]
        return [(m.start(), m.end(), term(m.group())[0]) for m in _WORD.finditer(value)]

    def words(self, value: str) -> list[tuple[str, str]]:
        """(term, word as typed) of every word of ``value`` that is not a stop word: the
        (text, original) of ``self(value, keeporiginal=True)`` without a Token per word
        (clustering analyses every idea of a challenge)."""
        term = _TERMS[self.language]
        out = []
        for word in _WORDS.findall(value):
            text, stopped = term(word)
            if not stopped:
                out.append((text, word))
        return out

    def tagged(self, value: str) -> list[tuple[str, str, bool]]:
        """(term, word as typed, is a stop word) of every word of ``value``, in order: what
        naming a group of ideas needs to cut readable phrases out of a title."""
        term = _TERMS[self.language]
        out = []
        for word in _WORDS.findall(value):
            text, stopped = term(word)
            out.append((text, word, stopped))
        return out

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each term of ``value`` with its positions, stop words left out: what indexing takes
        from ``self(value, positions=True)``, word for word, in one loop (indexing analyses
        every word of every idea)."""
        term = _TERMS[self.language]
        out: dict[str, list[int]] = {}
        pos = -1
        for number, word in enumerate(_WORDS.findall(value)):
            text, stopped = term(word)
            if stopped:
                continue
            # Like StopFilter: the first kept word keeps its number, the next ones follow on.
            pos = number if pos < 0 else pos + 1
            found = out.get(text)
            if found is None:
                out[text] = [pos]
            else:
                found.append(pos)
        return out


def _fold(word: str) -> str:
    """Lowercased, accents folded ("Café" -> "cafe")."""
    text = word.lower()
    if not text.isascii():  # accent_map changes no lowercase ASCII letter
        text = text.translate(accent_map)
    return text


def _term_function(language: str) -> Callable[[str], tuple[str, bool]]:
    stops, stem = frozenset(stopwords_for_language(language)), _STEMMERS[language]

    @lru_cache(maxsize=_STEM_CACHE_SIZE)
    def term(word: str) -> tuple[str, bool]:
        """(index term, is a stop word) of one word as typed; a stop word's "term" is only
        lowercased and folded, as the analyser gives it when asked to keep stop words."""
        text = _fold(word)
        if len(text) < _MIN_WORD or text in stops:
            return text, True
        return stem(text), False

    return term


_TERMS = {language: _term_function(language) for language in SUPPORTED_LANGUAGES}


def analyzer_for(language: str) -> Analyzer:
    """Returns the index/query analyser for a challenge language ("nl" or "en").

    Tokenise, lowercase, fold accents (so "café" matches "cafe" and "ideeën"
    matches "ideeen"), drop the language's stop words, stem (Snowball; Dutch with
    the corrections of `stem_dutch`). Raises ValueError for other languages.
    """
    return IdeaAnalyzer(language)


def analyse(language: str, text: str) -> list[str]:
    """Returns the index terms for ``text`` (tests, debugging, `similar`)."""
    return [t.text for t in analyzer_for(language)(text)]
