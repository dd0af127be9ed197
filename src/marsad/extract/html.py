"""HTML pages: main text and metadata, then the same Arabic page rules as plain text."""

from __future__ import annotations

from typing import Any

from marsad.errors import RejectedInput
from marsad.models import Page, RawDocument


def parse_html(raw: RawDocument, text: str, encoding: str, settings: dict[str, Any] | None = None) -> Page:
    """Extract articles from an HTML page (full implementation lands with the real-world input issue)."""
    raise RejectedInput("unsupported_type", "HTML extraction is not available in this version")
