"""Outside text (names, symbols, titles, paths) written into a post as text, never as markup."""

from __future__ import annotations

import html as _html
import re
from urllib.parse import quote

#: characters Markdown (CommonMark, GFM tables) would read as markup anywhere in a line
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~!])")
#: at the start of a line: a heading, a quote, a list item, an ordered list ("1." / "1)")
_MD_LEADING = re.compile(r"^(\s*)(#|>|[-+=](?=\s|$))")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown(text: str) -> str:
    """``text`` as literal Markdown: ``a|b`` → ``a\\|b``, ``# x`` → ``\\# x``, ``<b>`` → ``\\<b\\>``."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    escaped = escaped.replace("&", "&amp;") if re.search(r"&#?\w+;", escaped) else escaped
    escaped = _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    return _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def html(text: str) -> str:
    """``text`` as HTML text or an attribute value."""
    return _html.escape(text, quote=True)


def plain(text: str) -> str:
    """Plain text keeps every character; only control characters (a terminal's escape codes) are dropped."""
    return "".join(ch for ch in text if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))


def link_target(path: str) -> str:
    """A relative file path as a link target: percent-encoded, and never read as a URL scheme
    (``javascript:alert(1)`` → ``./javascript%3Aalert%281%29``)."""
    target = quote(path, safe="/._-~")
    return "./" + target if _SCHEME.match(path) else target
