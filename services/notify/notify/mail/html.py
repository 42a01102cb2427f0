"""Plain text from an HTML-only mail, keeping what the reply cutter needs.

Block elements become line breaks and ``<blockquote>`` content becomes ``> ``
quoted lines (how Gmail, Apple Mail and Thunderbird mark the quoted history),
so the same cutting works for HTML mail as for plain text.  Scripts, styles
and the document head are dropped; nothing of the markup survives.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr", "pre",
          "section", "article", "header", "footer"}
SKIPPED = {"script", "style", "head", "title", "template"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.skipping = 0

    def _break(self) -> None:
        if self.lines[-1].strip(" >"):
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag == "blockquote":
            self._break()
            self.quote_depth += 1
        elif tag in BLOCKS:
            if tag == "br":
                self.lines.append("")
            else:
                self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self._break()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag in BLOCKS and tag != "br":
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = re.sub(r"\s+", " ", data)
        if not text.strip() and not self.lines[-1]:
            return
        if not self.lines[-1] and self.quote_depth:
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] += text if self.lines[-1].strip(" >") else text.lstrip()


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    lines = [line.rstrip() for line in parser.lines]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
