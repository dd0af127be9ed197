"""Arabic page understanding for plain text: articles, headings, source, tags, read-also, related lists.

The page is read line by line. Each line is classified once (blank, labelled field, list label,
promo, bullet, text), then a small state machine assigns lines to articles and page furniture:
end-matter (source, tags, read-also, related list) closes an article, and prose after it opens a
new one — this is how two articles fused into one aggregator page come apart. Phrase lists live
in ``extract/data/markers.toml``; nothing here knows a particular site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from marsad.extract.markers import Markers, markers
from marsad.extract.tags import split_tags
from marsad.models import Article, Boilerplate, Field, Page, RelatedItem, Span
from marsad.settings import Settings
from marsad.text.normalize import clean_display, normalize_text
from marsad.text.stem import stems
from marsad.text.stopwords import stopwords

_FIRST_WORD = re.compile(r"([A-Za-z]+)\b[^\S\n]*")
_SPACE = " \t\r\u00a0\u200f\u200e\ufeff\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
# A view/comment count glued to the end of a list headline ("…مع روسيا17474", "…«العالمي»٣٢١"):
# digits right after an Arabic letter or closing quote with no space. "عام 2015" (a space) is kept.
_GLUED_COUNT = re.compile(r"(?<=[\u0621-\u064a\u066e-\u06d3»\"”)\]])[0-9\u0660-\u0669\u06f0-\u06f9]+$")
_LABEL_SEP = ":：-–|"


class Kind(Enum):
    """What a line is, before context decides headings and paragraphs."""

    BLANK = "blank"
    SOURCE = "source"
    AUTHOR = "author"
    DATE = "date"
    TAGS = "tags"
    READ_ALSO = "read_also"
    RELATED = "related"
    PROMO = "promo"
    SHARE = "share"
    BULLET = "bullet"
    TEXT = "text"


@dataclass(slots=True)
class Line:
    """One line of the page: its trimmed text, span and classification."""

    text: str
    start: int
    end: int
    kind: Kind
    #: For labelled lines and bullets: where the value starts (after the label or bullet).
    value_start: int = 0
    n_words: int = 0
    ends_with_punct: bool = False

    @property
    def value(self) -> str:
        """Return the line's value (after a label or bullet), trimmed."""
        return self.text[self.value_start - self.start :].strip(_SPACE)

    def value_span(self) -> Span:
        """Return the span of the trimmed value."""
        raw = self.text[self.value_start - self.start :]
        lead = len(raw) - len(raw.lstrip(_SPACE))
        start = self.value_start + lead
        return Span(start, start + len(raw.strip(_SPACE)))


def _match_label(norm: str, labels: tuple[str, ...], *, loose: bool) -> int | None:
    """Return the length (in normalized chars) of the label heading ``norm``, or None."""
    low = norm.lower()
    for label in labels:
        if not low.startswith(label):
            continue
        rest = low[len(label) :]
        stripped = rest.lstrip(" ")
        if not stripped:
            return len(norm)
        if stripped[0] in _LABEL_SEP:
            return len(norm) - len(stripped) + 1
        # Without a separator, a multi-word label may be followed by its value ("اقرأ أيضا عنوان").
        if loose and " " in label and rest.startswith(" "):
            return len(label)
    return None


def _norm_index_to_original(text: str, norm_len: int) -> int:
    """Return how many original characters produce the first ``norm_len`` normalized characters."""
    count = 0
    for i, ch in enumerate(text):
        if count >= norm_len:
            return i
        count += len(normalize_text(ch))
    return len(text)


def _drop_nav(text: str, m: Markers) -> int:
    """Return how many leading characters of a line are pager buttons (Next Previous) and spaces:
    only when no Latin word follows them ("Next week the ministry …" is English prose)."""
    i = 0
    while (word := _FIRST_WORD.match(text, i)) and word.group(1).lower() in m.nav_words:
        i = word.end()
    if i and _FIRST_WORD.match(text, i):
        return 0
    return len(text) - len(text[i:].lstrip(_SPACE)) if i else 0


def _classify(text: str, start: int, m: Markers) -> Line:
    stripped = text.strip(_SPACE)
    lead = len(text) - len(text.lstrip(_SPACE))
    nav = _drop_nav(stripped, m)
    buttons_only = bool(stripped) and nav == len(stripped)
    if nav and not buttons_only:  # buttons glued before text: the line starts after them
        stripped, lead = stripped[nav:], lead + nav
    s = start + lead
    line = Line(stripped, s, s + len(stripped), Kind.TEXT, value_start=s)
    if not stripped or buttons_only:
        line.kind = Kind.SHARE if buttons_only else Kind.BLANK  # a line of buttons only is furniture
        return line
    norm = normalize_text(stripped)
    line.n_words = len(norm.split())
    line.ends_with_punct = stripped.endswith(m.final_punctuation)
    for kind, labels, loose in (
        (Kind.TAGS, m.tag_labels, False),
        (Kind.SOURCE, m.source_labels, False),
        (Kind.READ_ALSO, m.read_also_labels, True),
        (Kind.RELATED, m.related_labels, True),
        (Kind.DATE, m.date_labels, False),
        (Kind.AUTHOR, m.author_labels, False),
    ):
        n = _match_label(norm, labels, loose=loose)
        if n is None:
            continue
        # A related-list label is a short line of its own; a long line starting with the words is prose.
        if kind in (Kind.RELATED, Kind.READ_ALSO) and n == len(norm) and line.n_words > 6:
            continue
        if kind in (Kind.SOURCE, Kind.DATE, Kind.AUTHOR) and (n == len(norm) or line.n_words > 12):
            continue  # a field label needs a short value after it
        line.kind = kind
        line.value_start = s + _norm_index_to_original(stripped, n)
        return line
    low = norm.lower()
    if line.n_words <= 10 and low.startswith(m.promo_prefixes):
        line.kind = Kind.PROMO
        return line
    if line.n_words <= 6 and all(w.strip(":|-") in m.share_words for w in low.split()):
        line.kind = Kind.SHARE
        return line
    if stripped.startswith(m.bullets) and not stripped.startswith(("--", "——")):
        line.kind = Kind.BULLET
        line.value_start = s + 1
        return line
    return line


def split_lines(text: str) -> list[Line]:
    """Split ``text`` into classified lines with spans (handles \\n, \\r\\n and \\r)."""
    m = markers()
    out: list[Line] = []
    for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n|$)", text):
        raw = match.group()
        if not raw:
            continue
        body = raw.rstrip("\r\n")
        out.append(_classify(body, match.start(), m))
    return out


@dataclass(slots=True)
class _Draft:
    """An article being assembled."""

    article: Article = field(default_factory=Article)
    tag_lines: list[Line] = field(default_factory=list)
    closed: bool = False
    #: Read-also headlines seen right before this article (title candidates).
    preceding_read_also: list[Field] = field(default_factory=list)

    @property
    def has_body(self) -> bool:
        return bool(self.article.paragraphs)


def _is_prose(line: Line, min_words: int) -> bool:
    return line.n_words >= min_words or (line.ends_with_punct and line.n_words >= 3)


def _headline_like(line: Line, heading_max: int) -> bool:
    # Headlines may be longer than section headings but never end like a sentence.
    return line.n_words <= heading_max * 2 and not line.text.endswith((".", "،", ","))


def _next_nonblank(lines: list[Line], i: int) -> Line | None:
    for j in range(i + 1, len(lines)):
        if lines[j].kind is not Kind.BLANK:
            return lines[j]
    return None


def _content_stems(text: str) -> set[str]:
    sw = stopwords()
    return {s for s in stems(text) if s and s not in sw and len(s) > 1 and not s.isdigit()}


def title_match(headline: str, article: Article) -> float:
    """Return the share of the headline's content stems found in the article's body."""
    head = _content_stems(headline)
    if not head:
        return 0.0
    body = _content_stems(article.text)
    return len(head & body) / len(head)


def parse_text(text: str, uri: str = "<text>", *, settings: Settings | None = None) -> Page:
    """Understand a plain-text Arabic page: split articles and find titles, fields, lists and furniture."""
    cfg = settings or Settings()
    heading_max = cfg.heading_max_words
    min_words = cfg.paragraph_min_words
    title_min = cfg.title_match_min
    page = Page(text=text, uri=uri, kind="text", extractor="plaintext")
    lines = split_lines(text)
    drafts: list[_Draft] = [_Draft()]
    state = "body"
    pending_read_also: list[Field] = []
    related_lines: list[Line] = []

    def boiler(kind: str, line: Line) -> None:
        page.boilerplate.append(Boilerplate(kind, Span(line.start, line.end), line.text))

    def new_article() -> _Draft:
        draft = _Draft(preceding_read_also=list(pending_read_also))
        pending_read_also.clear()
        drafts.append(draft)
        return draft

    for i, line in enumerate(lines):
        cur = drafts[-1]
        a = cur.article
        if line.kind is Kind.BLANK:
            continue
        if line.kind in (Kind.SOURCE, Kind.AUTHOR, Kind.DATE):
            value = _field(line.value, line.value_span())
            slot = {Kind.SOURCE: "source", Kind.AUTHOR: "author", Kind.DATE: "date"}[line.kind]
            if getattr(a, slot) is None:
                setattr(a, slot, value)
            if line.kind is Kind.SOURCE and cur.has_body:
                cur.closed = True
            state = "body"
            continue
        if line.kind is Kind.TAGS:
            cur.tag_lines.append(line)
            cur.closed = cur.closed or cur.has_body
            state = "body"
            continue
        if line.kind is Kind.READ_ALSO:
            boiler("read_also_label", line)
            cur.closed = cur.closed or cur.has_body
            state = "read_also"
            if line.value:
                f = _field(line.value, line.value_span())
                page.read_also.append(f)
                pending_read_also.append(f)
            continue
        if line.kind is Kind.RELATED:
            boiler("related_label", line)
            cur.closed = cur.closed or cur.has_body
            state = "related"
            continue
        if line.kind is Kind.PROMO:
            boiler("promo", line)
            if state == "read_also":
                state = "body"
            continue
        if line.kind is Kind.SHARE:
            boiler("share", line)
            continue
        # Bullets and plain text.
        if state == "related" and (line.kind is Kind.BULLET or _headline_like(line, heading_max)):
            related_lines.append(line)
            continue
        if state == "read_also" and (line.kind is Kind.BULLET or _headline_like(line, heading_max)):
            f = _field(line.value if line.kind is Kind.BULLET else line.text, _value_or_line_span(line))
            page.read_also.append(f)
            pending_read_also.append(f)
            continue
        state = "body"
        if cur.closed:
            cur = new_article()
            a = cur.article
        if line.kind is Kind.BULLET:
            a.paragraphs.append(_field(line.value, line.value_span()))
            continue
        nxt = _next_nonblank(lines, i)
        short = line.n_words <= heading_max and not line.ends_with_punct
        followed_by_prose = nxt is not None and nxt.kind is Kind.TEXT and _is_prose(nxt, min_words)
        if short and followed_by_prose:
            f = _field(line.text, Span(line.start, line.end))
            if a.title is None and not a.paragraphs and not a.headings:
                a.title = f
            else:
                a.headings.append(f)
        else:
            a.paragraphs.append(_field(line.text, Span(line.start, line.end)))

    articles: list[Article] = []
    for draft in drafts:
        a = draft.article
        if not a.paragraphs:
            continue
        if a.title is None:
            for cand in reversed(draft.preceding_read_also):
                if title_match(cand.text, a) >= title_min:
                    a.title = cand
                    break
        for tl in draft.tag_lines:
            a.tags.extend(
                split_tags(
                    tl.value,
                    tl.value_span().start,
                    text,
                    min_count=cfg.tag_phrase_min_count,
                    min_cohesion=cfg.tag_phrase_min_cohesion,
                    exclude=Span(tl.start, tl.end),
                )
            )
        spans = [f.span for f in (a.title, a.source, a.date, a.author, *a.headings, *a.paragraphs, *a.tags) if f and f.span]
        a.span = Span(min(s.start for s in spans), max(s.end for s in spans))
        articles.append(a)
    page.articles = articles
    page.related = _related_items(related_lines, page, cfg)
    page.boilerplate.sort(key=lambda b: b.span.start)
    return page


def _field(text: str, span: Span) -> Field:
    return Field(clean_display(text), span)


def _value_or_line_span(line: Line) -> Span:
    return line.value_span() if line.kind is Kind.BULLET else Span(line.start, line.end)


def clean_related_headline(text: str) -> tuple[str, str]:
    """Return a related-list headline without trailing junk, and the junk removed (or '')."""
    stripped = text.rstrip(_SPACE)
    m = _GLUED_COUNT.search(stripped)
    if m:
        return stripped[: m.start()].rstrip(_SPACE), m.group()
    return stripped, ""


def _related_items(lines: list[Line], page: Page, cfg: Settings) -> list[RelatedItem]:
    from marsad.text.similarity import group_items, similarity_matrix

    cleaned: list[tuple[str, Span]] = []
    for line in lines:
        span = _value_or_line_span(line)
        raw = span.slice(page.text)
        title, junk = clean_related_headline(raw)
        if junk:
            junk_start = span.start + len(raw.rstrip(_SPACE)) - len(junk)
            page.boilerplate.append(Boilerplate("glued_count", Span(junk_start, junk_start + len(junk)), junk))
        if title:
            cleaned.append((clean_display(title), Span(span.start, span.start + len(title))))
    if not cleaned:
        return []
    threshold = cfg.related_group_threshold
    scores = similarity_matrix([t for t, _ in cleaned])
    groups = group_items(scores, threshold)
    same_as = _same_story_articles(page.articles, [t for t, _ in cleaned], threshold)
    return [RelatedItem(t, s, g, a) for (t, s), g, a in zip(cleaned, groups, same_as, strict=True)]


def _same_story_articles(articles: list[Article], items: list[str], threshold: float) -> list[int | None]:
    """Return, per related item, the index of the page's article with the same story (or None).

    The article is represented by its headline (or its first paragraph when it has none) and
    scored against the items with the same similarity and threshold that group the items.
    """
    import numpy as np

    from marsad.text.similarity import similarity_matrix

    heads = [a.title_text or (a.paragraphs[0].text if a.paragraphs else "") for a in articles]
    if not items or not any(heads):
        return [None] * len(items)
    scores = similarity_matrix([*heads, *items])[: len(heads), len(heads) :]
    out: list[int | None] = [None] * len(items)
    for j in range(len(items)):
        i = int(np.argmax(scores[:, j]))
        if heads[i] and scores[i, j] >= threshold:
            out[j] = i
    return out
