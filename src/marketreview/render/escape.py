"""Text from outside (symbol-map labels, tickers, file notes) escaped for the place it lands, so that it is shown
as the text it is and never read as markup, a formula or a table column.

- :func:`markdown_text`: a Markdown table cell or line (``|`` no longer splits a column; ``<script>``, ``[x](y)``
  links, ``*``/``_`` emphasis, code spans and a leading ``#`` heading or ``-`` list mark are shown literally);
- :func:`html_text`: HTML text or an attribute value;
- :func:`csv_cell`: a CSV cell a spreadsheet will open (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage
  return is quoted with ``'``, OWASP's rule against formula injection);
- :func:`chart_text`: matplotlib text (a ``$`` no longer starts mathtext).

Each also turns line breaks into spaces: one label is one line.
"""

from __future__ import annotations

import html
import re

__all__ = ["chart_text", "csv_cell", "html_text", "markdown_text", "one_line"]

#: Characters with a meaning anywhere in CommonMark/GFM inline text (emphasis, code, links, HTML, tables).
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]|<>~])")
#: An ``&`` that would start an entity (``&lt;``, ``&#60;``).
_ENTITY = re.compile(r"&(?=#?\w+;)")
#: What starts a block at the beginning of a line: a heading, a list item, a quote, a numbered item.
_BLOCK_START = re.compile(r"^(#|[+\-=])")
_NUMBERED = re.compile(r"^(\d+)([.)])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(text: object) -> str:
    """``text`` as one line: every line break (and other control character) becomes a space."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", str(text)).strip()


def markdown_text(text: object) -> str:
    """``text`` as literal Markdown inline text: the characters that would make emphasis, code, a link, HTML, a
    table column or an entity are escaped with ``\\``, and so is a heading, list or quote mark at its start.
    Ordinary text (``S&P 500``, ``Russell 2000 (R2G)``, ``日経平均``) is left as it is."""
    flat = _ENTITY.sub("&amp;", _MARKDOWN_INLINE.sub(r"\\\1", one_line(text)))
    return _NUMBERED.sub(r"\1\\\2", _BLOCK_START.sub(r"\\\1", flat))


def html_text(text: object) -> str:
    """``text`` as HTML text or a quoted attribute value."""
    return html.escape(one_line(text), quote=True)


def csv_cell(text: object) -> str:
    """``text`` as a CSV cell that a spreadsheet shows as text: a leading formula character gets a ``'``."""
    value = str(text)
    return "'" + value if value.startswith(_FORMULA_START) else value


def chart_text(text: object) -> str:
    """``text`` for a matplotlib label or title: ``$`` is shown as a dollar sign, not the start of mathtext."""
    return str(text).replace("$", r"\$")
