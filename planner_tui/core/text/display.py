"""Make untrusted text safe to show in a terminal or put in a commit message, and turn titles into folder slugs."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["visible", "one_line", "clean_line", "shown_name", "slugify"]

# Bidi overrides/isolates (Trojan Source) plus the invisible direction marks, which can make a
# path or a rule read differently from what the bytes say.
_BIDI = frozenset(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def _escape_char(code: int) -> str:
    """The visible stand-in for one unsafe code point."""
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ESC -> ␛, NUL -> ␀
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xDC80 <= code <= 0xDCFF:
        # A byte that was not valid UTF-8 in a file name (surrogateescape): show the byte.
        return f"\\x{code - 0xDC00:02x}"
    return f"<U+{code:04X}>"


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if code not in (0x09, 0x0A):
            table[code] = _escape_char(code)
    table[0x7F] = _escape_char(0x7F)
    for code in range(0x80, 0xA0):
        table[code] = _escape_char(code)
    for code in _BIDI:
        table[code] = _escape_char(code)
    # Lone surrogates cannot be encoded for the terminal at all; show them instead of crashing.
    for code in range(0xD800, 0xE000):
        table[code] = _escape_char(code)
    return table


_TABLE = _build_table()
_ASCII_CHANGED = re.compile("[" + re.escape("".join(chr(code) for code in _TABLE if code < 0x80)) + "]")
"""The ASCII characters `visible` changes: a text that is ASCII and holds none needs no copy."""
_WS = re.compile(r"\s+")
_CUT_ESCAPE = re.compile(r"(?:<(?:U(?:\+[0-9A-F]{0,4})?)?|\\(?:x[0-9a-f]?)?)$")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_BREAKS = frozenset("\r\n\t\x0b\x0c\x85\u2028\u2029")


def visible(text: str) -> str:
    """Return text with every terminal control made visible.

    ESC and the other C0 controls (except newline and tab) become control pictures (`␛`), DEL
    becomes `␡`, C1 controls and bidi controls become `<U+009B>` style escapes, and `\\r\\n` or
    a lone `\\r` become `\\n`. Nothing else changes, so markdown stays markdown. A text with
    nothing to change is returned itself: a clean 2 MB file shown is not copied.
    """
    if text.isascii() and _ASCII_CHANGED.search(text) is None:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_TABLE)


def one_line(text: str, limit: int = 200) -> str:
    """Return text as one safe line: whitespace collapsed, controls visible, capped with `…`."""
    if limit <= 0:
        return ""
    # visible() first, so controls that Python counts as whitespace (\x1c, \x85) stay visible.
    line = _WS.sub(" ", visible(text)).strip()
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    # Do not leave half an escape such as `<U+00` at the end; it would read as garbage.
    if "<" in cut[-7:] or "\\" in cut[-4:]:
        cut = _CUT_ESCAPE.sub("", cut)
    return cut.rstrip() + "…"


def clean_line(text: str, limit: int | None = None) -> str:
    """Return text as one clean line for a commit message: escape sequences, controls and format
    characters removed (not shown), breaks made spaces, whitespace collapsed, capped with `…`.

    Format characters (Unicode category Cf) are the direction marks and overrides, zero-width
    spaces and joiners, the word joiner, the byte-order mark, the soft hyphen and the tag
    characters: invisible in a log, yet read by an agent that reads it. Never use this on a name
    that is used as a path (see `shown_name`)."""
    text = _ANSI.sub("", text)
    out = []
    for ch in text:
        if ch in _BREAKS:
            out.append(" ")
        elif ord(ch) in _BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Cf"):
            continue
        else:
            out.append(ch)
    line = " ".join("".join(out).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def shown_name(name: str) -> str:
    """A name used as a path (an epic folder, a plan path) written so that every byte shows.

    Nothing is dropped or merged: controls, line breaks, format characters (zero-width, direction,
    soft hyphen, tags), spaces other than the plain one and bytes that are not UTF-8 become
    escapes (`<U+200B>`, `\\xe9`, `␊`), so two folders that differ only by one of them read
    differently. A plain name comes back unchanged.
    """
    return "".join(ch if _plain_in_name(ch) else _escape_char(ord(ch)) for ch in name)


def _plain_in_name(ch: str) -> bool:
    if ch == " ":
        return True
    return unicodedata.category(ch)[0] not in ("C", "Z")  # C: controls, format, surrogates; Z: spaces, breaks


def slugify(text: str) -> str:
    """Return the pipeline's folder slug: lowercase, runs outside `a-z0-9` become `-`, trimmed.

    Non-ASCII letters count as "outside", exactly like the pipeline's own rule, so
    `Café Menü` becomes `caf-men`.
    """
    return _NON_SLUG.sub("-", text.lower()).strip("-")
