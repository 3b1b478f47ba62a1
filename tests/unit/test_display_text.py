"""Tests for terminal-safe text and the pipeline's slug rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner_tui.core.text.display import one_line, slugify, visible

HOSTILE = [
    "\x1b]0;PWNED\x07",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
    "\x1b[2J",
    "\x1b[6n",
    "\x1bc",
    "\x1b]",
    "\x9b31m",
    "\x00",
    "\x7f",
    "\u202e",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_visible_leaves_no_control_bytes(payload: str) -> None:
    shown = visible(f"before {payload} after")
    assert "\x1b" not in shown
    assert not any(0x80 <= ord(c) <= 0x9F for c in shown)
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in shown)
    assert shown.startswith("before ") and shown.endswith(" after")


def test_visible_uses_control_pictures_and_codepoint_escapes() -> None:
    assert visible("\x1b[2J") == "␛[2J"
    assert visible("a\x00b") == "a␀b"
    assert visible("\x7f") == "␡"
    assert visible("\x9b31m") == "<U+009B>31m"
    assert visible("abc\u202edef\u2066x\u2069") == "abc<U+202E>def<U+2066>x<U+2069>"


def test_visible_keeps_newlines_tabs_and_markdown() -> None:
    text = "# Title\n\n- item\twith tab\n`code` [link](x.md) émoji 🎉"
    assert visible(text) == text


def test_visible_returns_a_text_with_nothing_to_change_itself_and_changes_every_ascii_control() -> None:
    clean = "# Title\n\tcode `x` [link](a.md)\n" * 1000
    assert visible(clean) is clean  # a clean file shown is not copied
    for code in [*range(0x20), 0x7F]:
        if chr(code) in "\n\t":
            continue
        # The fast path must miss no ASCII control: each one is changed, alone or in clean text.
        assert visible(f"plain {chr(code)} text") != f"plain {chr(code)} text", code
    assert visible("cr\r\nend") == "cr\nend"


def test_visible_normalises_carriage_returns() -> None:
    assert visible("a\r\nb\rc") == "a\nb\nc"


def test_visible_shows_undecodable_filename_bytes() -> None:
    # os.fsdecode(b"\xff.md") gives a lone surrogate that no terminal encoding accepts.
    assert visible("\udcff.md") == "\\xff.md"


def test_one_line_collapses_and_caps() -> None:
    assert one_line("  a\n\n b\t c  ") == "a b c"
    capped = one_line("word " * 100, limit=20)
    assert len(capped) <= 20
    assert capped.endswith("…")
    assert one_line("short", limit=0) == ""


def test_one_line_keeps_whitespace_like_controls_visible() -> None:
    # Python counts \x1c and \x85 as whitespace; they must still show, not vanish.
    assert one_line("a\x1cb\x85c") == "a␜b<U+0085>c"


def test_one_line_does_not_end_in_half_an_escape() -> None:
    assert one_line("abcdefg\x9b" + "x" * 50, limit=10) == "abcdefg…"
    assert one_line("abcdefg\x9b" + "x" * 50, limit=17) == "abcdefg<U+009B>x…"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Team Invitations", "team-invitations"),
        ("  Saved Searches!! ", "saved-searches"),
        ("OAuth 2.0 / SSO", "oauth-2-0-sso"),
        ("Café Menü", "caf-men"),
        ("---", ""),
        ("Épique", "pique"),
    ],
)
def test_slugify_matches_pipeline_rule(title: str, slug: str) -> None:
    assert slugify(title) == slug


@given(st.text())
def test_visible_never_emits_terminal_controls(text: str) -> None:
    shown = visible(text)
    for ch in shown:
        code = ord(ch)
        assert code >= 0x20 or ch in "\n\t"
        assert not (0x7F <= code <= 0x9F)
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069)
        assert not (0xD800 <= code <= 0xDFFF)


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_one_line_is_one_bounded_line(text: str, limit: int) -> None:
    line = one_line(text, limit)
    assert "\n" not in line
    assert len(line) <= limit


@given(st.text())
def test_slugify_output_alphabet(text: str) -> None:
    slug = slugify(text)
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-")
    assert "--" not in slug
