"""HTML pages: main text and metadata with trafilatura, then the same Arabic page rules as plain text.

The text trafilatura extracts becomes ``Page.text`` (every span points into it) and goes through
``parse_text`` unchanged, so read-also blocks, related lists, promos and fused articles are handled
exactly as on plain-text pages. Metadata (title, date, author, site name, keywords, canonical URL,
language) is then laid over the articles; a value found in the text gets its span there.
When trafilatura returns nothing or too little (stopword-density extractors are weak on Arabic),
its baseline extractor is used instead and ``Page.extractor`` says so.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from marsad.errors import RejectedInput
from marsad.extract.dates import find_date, plausible, resolve
from marsad.extract.plaintext import parse_text
from marsad.models import Article, Field, Page, RawDocument, Span
from marsad.settings import Settings
from marsad.text.normalize import arabic_ratio, clean_display, normalize_text

#: Extracted text shorter than this (characters) sends the page to the fallback extractor.
#: The shortest real article body among the fixtures is ~600 characters (akhbarelyom-1); a
#: one-paragraph Arabic brief is ~250, and trafilatura's near-misses on Arabic return < 100.
MIN_EXTRACTED_CHARS = 250
#: A page is an article only if its paragraphs of at least PROSE_LINE_MIN_WORDS words hold this
#: many words together. The directory page arabicmedia-1 has none (its longest line is 7 words);
#: the shortest fixture article has ~95.
MIN_ARTICLE_WORDS = 40
#: Lines shorter than this many words are navigation/labels, not prose, for the test above.
PROSE_LINE_MIN_WORDS = 8
#: A date found in the article text is looked for in its first this many characters (the dateline
#: or "published on" line sits above the body; deeper dates are usually events, not publication).
DATELINE_WINDOW = 400
#: Share of Arabic letters above which the page's language is Arabic whatever its lang attribute says
#: (beirutobserver-1 declares en-US over Arabic text; Arabic articles score > 0.9, English ~0).
ARABIC_LANGUAGE_RATIO = 0.5
#: Trafilatura's tree-size cap (elements). The largest fixture (youm7-3, 0.5 MB) has ~6,000; pages
#: with more than this are rejected by trafilatura instead of taking seconds.
MAX_TREE_SIZE = 100_000
#: A part of a "site - headline" title must have this many words to stand as the headline alone.
TITLE_PART_MIN_WORDS = 3

_TITLE_SEPARATORS = re.compile(r"(\s+[-–—|•»]+\s+|\s*\|\s*)")
_TAG_SPLIT = re.compile(r"\s*[,،;؛]\s*")


def parse_html(raw: RawDocument, text: str, encoding: str, settings: Settings | None = None) -> Page:
    """Extract the articles of an HTML page: trafilatura (or fallback) text, page rules, then metadata."""
    cfg = settings or Settings()
    body, meta, extractor, html_lang = _extract(text, _http_url(raw.uri))
    page = parse_text(body, raw.uri, settings=cfg)
    page.kind = "html"
    page.extractor = extractor
    page.encoding = encoding
    if _prose_words(page) < MIN_ARTICLE_WORDS:
        page.articles = []  # navigation, directory or index page: extract() turns this into no_article
        return page
    language = _language(body, html_lang)
    for i, article in enumerate(page.articles):
        _apply_metadata(article, meta, page.text, first=i == 0, now=raw.fetched_at)
        article.language = language
        if article.url is None:
            article.url = meta.url or _http_url(raw.uri)
    return page


@dataclass(slots=True)
class HtmlMeta:
    """Metadata read from an HTML page's head (and JSON-LD), all optional."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None


def _http_url(uri: str) -> str | None:
    return uri if uri.startswith(("http://", "https://")) else None


def _extract(html: str, url: str | None) -> tuple[str, HtmlMeta, str, str | None]:
    """Return (body text, metadata, extractor name, html lang attribute)."""
    import trafilatura
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except (ValueError, TypeError, RecursionError) as exc:
        raise RejectedInput("bad_html", f"unparsable HTML: {exc}") from exc
    if tree is None:
        raise RejectedInput("bad_html", "no HTML tree could be built")
    html_lang = tree.get("lang") or tree.get("xml:lang")
    stamp = published_time(tree)
    try:
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            config=_config(),
        )
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise RejectedInput("bad_html", f"trafilatura failed: {type(exc).__name__}: {exc}") from exc
    body = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if doc is not None and len(body) >= MIN_EXTRACTED_CHARS:
        return body, _with_time(_meta(doc), stamp), "trafilatura", html_lang
    # Fallback: trafilatura's baseline (article/paragraph/body text) on a fresh tree, metadata apart.
    fresh = load_html(html)
    if fresh is None:
        raise RejectedInput("bad_html", "no HTML tree could be built")
    try:
        _, base_text, _ = trafilatura.baseline(fresh)
        meta_tree = load_html(html)
        meta_doc = trafilatura.metadata.extract_metadata(meta_tree if meta_tree is not None else fresh, default_url=url)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise RejectedInput("bad_html", f"fallback extraction failed: {exc}") from exc
    base_text = (base_text or "").strip()
    if len(base_text) > len(body):
        return base_text, _with_time(_meta(meta_doc), stamp), "fallback", html_lang
    if not body:
        raise RejectedInput("no_article", "no main text found in the HTML")
    return body, _with_time(_meta(doc if doc is not None else meta_doc), stamp), "trafilatura", html_lang


#: Head fields that carry an article's publication time (Open Graph, schema.org microdata, Dublin
#: Core and common CMS names), in order of trust. trafilatura keeps only their day; Marsad keeps
#: the time and the offset, so an article published at 01:59+02:00 stays on its own day.
_TIME_FIELDS = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
                "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date")
_HAS_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
#: Largest JSON-LD block read for ``datePublished`` (real ones are a few KB).
_JSONLD_MAX_CHARS = 100_000


def published_time(tree: Any) -> str | None:
    """Return the publication timestamp (with its time of day) from the page head or JSON-LD, or None."""
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key in _TIME_FIELDS and _HAS_TIME.match(value):
            found.setdefault(key, value)
    for key in _TIME_FIELDS:
        if key in found:
            return found[key]
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        text = (script.text or "")[:_JSONLD_MAX_CHARS]
        m = re.search(r'"datePublished"\s*:\s*"([^"]{10,40})"', text)
        if m and _HAS_TIME.match(m.group(1)):
            return m.group(1)
    return None


def _with_time(meta: HtmlMeta, stamp: str | None) -> HtmlMeta:
    """Use the head's full timestamp as the date when it is the same day trafilatura found (or it found none)."""
    if stamp and (meta.date is None or meta.date[:10] == stamp[:10]):
        meta.date = stamp
    return meta


@functools.cache
def _config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # its SIGALRM timeout breaks in worker threads
    return config


def _meta(doc: Any) -> HtmlMeta:
    def s(name: str) -> str | None:
        v = getattr(doc, name, None)
        return clean_display(v) if isinstance(v, str) and v.strip() else None

    sitename = s("sitename")
    hostname = s("hostname")
    if sitename and (sitename.startswith(("http://", "https://")) or "/" in sitename):
        sitename = urlsplit(sitename).hostname or hostname
    tags: list[str] = []
    for raw_tag in (getattr(doc, "tags", None) or []):
        for t in _TAG_SPLIT.split(str(raw_tag)):
            t = clean_display(t)
            if t and t not in tags:
                tags.append(t)
    title = _clean_title(s("title"), sitename)
    # Keywords that are only the title cut into words (auto-filled CMS meta) carry nothing.
    if title and tags and all(t in title for t in tags) and len(tags) > 2:
        tags = []
    return HtmlMeta(
        title=title,
        author=s("author"),
        date=s("date"),
        sitename=sitename or hostname,
        hostname=hostname,
        url=s("url"),
        tags=tuple(tags),
        description=s("description"),
    )


def _clean_title(title: str | None, sitename: str | None) -> str | None:
    """Drop a leading or trailing site-name part ("… - اليوم السابع") from a title."""
    if not title or not sitename:
        return title
    site = normalize_text(sitename)
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 3:
        return title
    if normalize_text(parts[0].strip()) == site:
        return "".join(parts[2:]).strip() or title
    if normalize_text(parts[-1].strip()) == site:
        return "".join(parts[:-2]).strip() or title
    return title


def _title_in_text(title: str, text: str) -> tuple[str, Span | None]:
    """Return the title and its span; a title not in the text may have one part that is a line there."""
    span = _find(text, title)
    if span is not None:
        return title, span
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title)[::2] if len(p.split()) >= TITLE_PART_MIN_WORDS]
    for part in sorted(parts, key=len, reverse=True):
        m = re.search(rf"(?m)^[ \t]*({re.escape(part)})[ \t]*$", text)
        if m:
            return part, Span(m.start(1), m.end(1))
    return title, None


def _prose_words(page: Page) -> int:
    return sum(
        n for a in page.articles for p in a.paragraphs if (n := len(p.text.split())) >= PROSE_LINE_MIN_WORDS
    )


def _language(text: str, html_lang: str | None) -> str | None:
    if arabic_ratio(text) >= ARABIC_LANGUAGE_RATIO:
        return "ar"
    if html_lang:
        return html_lang.split("-")[0].strip().lower() or None
    return None


def _find(text: str, value: str, within: Span | None = None) -> Span | None:
    """Return the span of ``value`` in ``text`` (first occurrence, optionally inside ``within``)."""
    lo, hi = (within.start, within.end) if within else (0, len(text))
    i = text.find(value, lo, hi)
    return Span(i, i + len(value)) if i >= 0 else None


def _apply_metadata(article: Article, meta: HtmlMeta, text: str, *, first: bool, now: datetime) -> None:
    """Lay page metadata over one article; text-found fields keep their spans."""
    if first and meta.title:
        title, span = _title_in_text(meta.title, text)
        if span is not None:
            # The headline line may have been read as a paragraph or heading: it is the title.
            article.paragraphs = [p for p in article.paragraphs if p.span != span]
            article.headings = [h for h in article.headings if h.span != span]
        if article.title is not None and article.title.text != title and article.title.span != span:
            article.headings.insert(0, article.title)  # a kicker or sub-headline: keep it as a heading
        article.title = Field(title, span)
    if first and meta.author and article.author is None:
        article.author = Field(meta.author, _find(text, meta.author, article.span))
    if meta.sitename:
        article.source = Field(meta.sitename, None)
    if first:
        known = {t.text for t in article.tags}
        article.tags.extend(Field(t, None) for t in meta.tags if t not in known)
    if meta.url and first:
        article.url = meta.url
    _apply_date(article, meta.date, text, now)


def _apply_date(article: Article, meta_date: str | None, text: str, now: datetime) -> None:
    """Set the date: a labelled date line first, then a dateline near the top agreeing with the meta date."""
    if article.date is not None:
        article.published, article.date_problem = resolve(article.date.text, now=now)
        if article.published is not None:
            return
    meta_when, meta_problem = resolve(meta_date, now=now) if meta_date else (None, None)
    start = article.span.start if article.span else 0
    window = text[start : start + DATELINE_WINDOW]
    found = find_date(window, now=now)
    if found is not None and found.span is not None and plausible(found.when) and (
        meta_when is None or found.when.date() == meta_when.date()
    ):
        article.date = Field(found.original, Span(start + found.span.start, start + found.span.end))
        article.published, article.date_problem = found.when, None
        return
    if meta_date:
        article.date = Field(meta_date, None)
        article.published, article.date_problem = meta_when, meta_problem




@dataclass(frozen=True, slots=True)
class SnippetScore:
    """Trafilatura-style evaluation of one text against must-contain / must-not-contain snippets."""

    tp: int
    fn: int
    fp: int
    tn: int

    @property
    def precision(self) -> float:
        """Return TP / (TP + FP) (1.0 when nothing was predicted wrongly or at all)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Return TP / (TP + FN)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: SnippetScore) -> SnippetScore:
        return SnippetScore(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn)


def score_snippets(text: str, must: list[str], must_not: list[str]) -> SnippetScore:
    """Score ``text``: a must-snippet present is a TP, missing an FN; a must-not present is an FP."""
    norm = clean_display(text)
    tp = sum(1 for s in must if clean_display(s) in norm)
    fp = sum(1 for s in must_not if clean_display(s) in norm)
    return SnippetScore(tp=tp, fn=len(must) - tp, fp=fp, tn=len(must_not) - fp)
