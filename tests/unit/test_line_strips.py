"""Lines that fit take a shortcut to their strips; what they show must not change."""

from __future__ import annotations

import pytest
from rich.text import Text

from planner_tui.widgets.lines import LineCache, new_console, text_strips
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


def _shown(rows):
    """What a terminal shows of rows: each cell's text with its style (no style and the null style alike)."""
    return [[(seg.text, seg.style or None) for seg in row if seg.text] for row in rows]


def test_a_wrapped_line_draws_what_rich_draws_whatever_its_characters_and_width():
    import random

    rng = random.Random(7)
    console = new_console()
    pieces = ["a", "b ", "漢字", " ", "`x`", "**b**", "é", "\u200b", "  ", "x" * 30, "😀", "[l](u)", "_e_"]
    for _ in range(300):
        line = rng.choice(["- ", "# ", "> ", "1. ", ""]) + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 50)))
        text = markdown_line(line, rng.random() < 0.1)[0]
        for width in (1, 2, 7, 20, 61):
            assert _shown(text_strips(console, text, width)) == _shown(_wrapped(console, text, width)), (line, width)


PLAN = ["# Backend plan", "", "## Domain", "", *[f"- Decision {n}: keep `photo_id` indexed" for n in range(300)],
        "", "```php", "- not a bullet inside a fence", "```", "- after the fence"]


def test_a_worker_fills_only_the_lines_the_pane_lacks_and_the_merge_draws_as_rendering_does():
    pane, worker = LineCache(), LineCache()
    pane.render(PLAN[:100], 40)
    assert worker.fill(PLAN, 40, known=pane, stop=lambda: False)
    assert worker.missing(PLAN[:100], 40) == 100  # none of what the pane had
    assert worker.missing([line for line in PLAN[100:] if line not in PLAN[:100]], 40) == 0  # all the rest
    pane.merge(worker)
    assert pane.missing(PLAN, 40) == 0
    assert pane.render(PLAN, 40) == LineCache().render(PLAN, 40)  # the fence's lines as a fence


def test_a_worker_a_newer_layout_replaced_gives_up_within_a_few_dozen_lines():
    asked = []

    def stop() -> bool:
        asked.append(1)
        return True

    worker = LineCache()
    assert not worker.fill(PLAN, 40, known=LineCache(), stop=stop)
    assert len(asked) == 1 and len(PLAN) - worker.missing(PLAN, 40) < 70  # of 309 lines
