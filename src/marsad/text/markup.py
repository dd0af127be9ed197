"""Text out of small HTML fragments (feed summaries, titles with markup), one line per block element."""

from __future__ import annotations

import re

from marsad.text.normalize import clean_display

#: Elements that end a line of text.
BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section", "article")


def html_to_text(fragment: str) -> str:
    """Return the text of an HTML fragment (a feed summary) with one line per block element."""
    if "<" not in fragment:
        return fragment.strip()
    from lxml import etree
    from lxml import html as lhtml

    try:
        root = lhtml.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", fragment).strip()
    for el in root.iter(*BLOCK_TAGS):
        el.tail = "\n" + (el.tail or "")
    for bad in root.iter("script", "style"):
        bad.drop_tree()
    lines = (clean_display(line) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)
