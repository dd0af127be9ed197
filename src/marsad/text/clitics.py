"""Arabic clitics, written once: the proclitics that attach to a word, and the named sets each use needs.

Every proclitic cluster is made of an optional conjunction (و، ف), an optional preposition
(ب، ل، ك) and an optional article (ال; ل + ال is written لل). Which clusters a use strips differs,
for reasons each set states; all sets live here so that no stage keeps a copy of its own.
"""

from __future__ import annotations

#: Conjunctions and prepositions that are written joined to the next word.
CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ل", "ك")
#: The definite article.
ARTICLE = "ال"
#: Shortest remainder after stripping a proclitic: three letters is the Arabic root size (so that
#: ال+قدس strips but و+لد, "boy", stays a word).
MIN_STEM_LETTERS = 3

#: For matching and search terms, longest first. Conjunction + preposition without the article
#: (وب، ول، وك) is left out: too many words start that way (وبريطانيا would lose its ب).
MATCHING: tuple[str, ...] = (
    "وبال", "وكال", "وفال", "فبال", "ولل", "فلل", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك",
)
#: For the tagger's features (the set its weights were trained with, frozen): MATCHING plus the
#: article-less conjunction + preposition clusters, since a feature may be wrong where a match
#: must not be.
NER: tuple[str, ...] = (
    "وبال", "وكال", "وفال", "فبال", "ولل", "فلل", "وال", "فال", "بال", "كال", "لل", "ال",
    "وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك",
)
#: Pronoun suffixes the tagger's features split off (frozen with its weights).
NER_SUFFIXES: tuple[str, ...] = ("هما", "كما", "هم", "هن", "كم", "كن", "نا", "ها", "ه", "ك", "ي")
#: For names in search: the clusters a query name may appear behind in the text (و+بوتين, ال+قدس),
#: each added in front of the name's fold key; the indexed name keys are never stripped, so no
#: word loses a real first letter (وب and ول are safe here where stripping them is not).
NAMES: tuple[str, ...] = ("و", "ف", "ب", "ل", "ك", "ال", "وال", "بال", "لل", "وب", "ول", "فال", "ولل", "وبال")
#: For the stemmer: Snowball strips ال/لل/و/ف/ب/ك alone but not a conjunction before the article
#: (والكتاب), so these clusters lose their conjunction before stemming.
CONJUNCTION_ARTICLE: tuple[str, ...] = ("وال", "فال", "ولل", "فلل", "وبال", "فبال", "وكال", "فكال")
#: ل + ال ("for the"): for entity hygiene, a word so written inside a person's name starts the phrase
#: of an institution named after him (مدينة الملك عبدالعزيز للعلوم), not a part of the name.
FOR_THE: tuple[str, ...] = ("لل",)


def drop_article(word: str, min_rest: int = 2) -> str:
    """Return a normalized word without the article ال when at least ``min_rest`` letters remain."""
    return word[len(ARTICLE) :] if word.startswith(ARTICLE) and len(word) - len(ARTICLE) >= min_rest else word


def strip_proclitic(word: str, clusters: tuple[str, ...] = MATCHING) -> tuple[str, str]:
    """Split a normalized word into (proclitic, rest) by the first of ``clusters`` it starts with,
    keeping at least ``MIN_STEM_LETTERS`` letters of rest."""
    for prefix in clusters:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_LETTERS:
            return prefix, word[len(prefix) :]
    return "", word


def proclitic_readings(norm: str, min_after_conjunction: int = MIN_STEM_LETTERS, min_after_ll: int = MIN_STEM_LETTERS
                       ) -> list[tuple[int, str]]:
    """Return ``(letters stripped, remainder)`` for a normalized word and each reading without a
    conjunction (و، ف), a preposition (ب، ل، ك) or the لل of ل + ال (read as ال + the rest), shortest
    strip first. A preposition needs ``MIN_STEM_LETTERS`` after it (many names start with ب، ل، ك);
    the other limits are the caller's: names want a root-sized remainder, titles and stop phrases
    also short ones (و + هو, لله).
    """
    out = [(0, norm)]
    for conj in ("", *CONJUNCTIONS):
        if conj and not norm.startswith(conj):
            continue
        rest = norm[len(conj) :]
        if conj and len(rest) >= min_after_conjunction:
            out.append((len(conj), rest))
        if rest.startswith("لل") and len(rest) - 2 >= min_after_ll:
            # The alef of ال is not in the text, so the strip count stays that of the conjunction.
            out.append((0, "ا" + rest[1:]))
        elif rest[:1] in PREPOSITIONS and len(rest) - 1 >= MIN_STEM_LETTERS:
            out.append((len(conj) + 1, rest[1:]))
    return out
