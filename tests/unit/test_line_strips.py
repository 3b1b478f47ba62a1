"""Lines that fit take a shortcut to their strips; what they show must not change."""

from __future__ import annotations

import pytest
from rich.text import Text

from planner_tui.widgets.lines import new_console, text_strips
from planner_tui.widgets.textstyle import markdown_line

SAMPLES = [
    "# Heading",
    "## Sub *x*",
    "- item `code` **bold** and [a link](x) _em_",
    "  - nested item",
    "> quote",
    "| a | b |",
    "```php",
    "plain words",
    "",
    "1. one",
    "---",
    "\t tab\tmid",
    "emoji 🎉 wide 漢字",
    "trailing   ",
    "x" * 130,
]


def _wrapped(console, text: Text, width: int):
    """The strips Rich's own wrapping gives (the long way)."""
    options = console.options.update_width(width)
    return [list(line) for line in console.render_lines(text, options, pad=False)]


@pytest.mark.parametrize("fence", [False, True])
@pytest.mark.parametrize("width", [20, 80, 120])
def test_the_shortcut_draws_exactly_what_wrapping_draws(fence, width):
    console = new_console()
    for line in SAMPLES:
        text = markdown_line(line, fence)[0]
        assert [list(strip) for strip in text_strips(console, text, width)] == _wrapped(console, text, width), line
