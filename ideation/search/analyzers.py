"""Language analysers for idea search (Dutch and English).

Every analyser is a plain Whoosh filter chain built from module-level objects, so
it pickles: Whoosh stores the pickled schema (analysers included) in the index's
TOC file and unpickles it in every process that opens the index.
"""

from __future__ import annotations

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.dutch import DutchStemmer
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


def analyzer_for(language: str) -> Analyzer:
    """Returns the index/query analyser for a challenge language ("nl" or "en").

    Chain: tokenise, lowercase, fold accents (so "café" matches "cafe" and
    "ideeën" matches "ideeen"), drop the language's stop words, stem (Snowball;
    Dutch with the corrections of `stem_dutch`).
    """
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported search language: {language!r}")
    # StopFilter(lang=...) would add Whoosh's English default list on top of the
    # language's own one ("as" and "have" are Dutch nouns), so pass the list.
    chain = (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=stopwords_for_language(language), minsize=2)
    )
    # Every searcher unpickles its own copy of the schema, so each has its own
    # stem cache (Whoosh's LFU cache is not thread-safe; nothing shares one).
    # Kept small: a thread may hold several searchers.
    if language == "nl":
        # A module-level function pickles by reference; StemFilter caches it.
        return chain | StemFilter(stemfn=stem_dutch, cachesize=10_000)
    return chain | StemFilter(lang=language, cachesize=10_000)


def analyse(language: str, text: str) -> list[str]:
    """Returns the index terms for ``text`` (tests, debugging, `similar`)."""
    return [t.text for t in analyzer_for(language)(text)]
