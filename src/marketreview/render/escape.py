"""Text from outside (symbol-map labels, tickers, file notes, titles, paths) escaped for the place it lands, so
that it is shown as the text it is and never read as markup, a formula or a table column.

- :func:`markdown` / :func:`markdown_text`: Markdown (``|`` no longer splits a column; ``<script>``, ``[x](y)``
  links, emphasis, code spans and a leading ``#`` heading or ``-`` list mark are shown literally);
- :func:`html` / :func:`html_text`: HTML text or an attribute value;
- :func:`plain`: plain text without control characters;
- :func:`link_target`: a relative path as a link target, never a URL scheme;
- :func:`csv_cell`: a CSV cell a spreadsheet will open (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage
  return is quoted with ``'``, OWASP's rule against formula injection);
- :func:`chart_text`: matplotlib text (a ``$`` no longer starts mathtext).

The ``*_text`` forms also turn line breaks into spaces: one label is one line.
"""

from __future__ import annotations

import html as _html
import re
from urllib.parse import quote

__all__ = ["chart_text", "csv_cell", "html", "html_text", "link_target", "markdown", "markdown_text", "one_line",
           "plain"]

#: characters Markdown (CommonMark, GFM tables) would read as markup anywhere in a line
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~!])")
#: at the start of a line: a heading, a quote, a list item, an ordered list ("1." / "1)")
_MD_LEADING = re.compile(r"^(\s*)(#|>|[-+=](?=\s|$))")
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def one_line(text: object) -> str:
    """``text`` as one line: every line break (and other control character) becomes a space."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", str(text)).strip()


def markdown_text(text: object) -> str:
    """:func:`markdown` of ``text`` made one line."""
    return markdown(one_line(text))


def html_text(text: object) -> str:
    """:func:`html` of ``text`` made one line."""
    return html(one_line(text))


def csv_cell(text: object) -> str:
    """``text`` as a CSV cell that a spreadsheet shows as text: a leading formula character gets a ``'``."""
    value = str(text)
    return "'" + value if value.startswith(_FORMULA_START) else value


def chart_text(text: object) -> str:
    """``text`` for a matplotlib label or title: ``$`` is shown as a dollar sign, not the start of mathtext."""
    return str(text).replace("$", r"\$")
