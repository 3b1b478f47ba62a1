"""Group H, hostile text: every check run over user text or file content takes time linear in it."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from planner_tui.core.discussion.numbering import split_ref
from planner_tui.core.epic.epics import epic_title_from_docs, parse_artifact_list
from planner_tui.core.epic.links import extract_links
from planner_tui.core.pack.mcp_clients import load_jsonc
from planner_tui.core.pack.rules import parse_mcp_list, parse_rules
from planner_tui.core.pack.topics import split_topic
from planner_tui.core.plan.dependencies import package_names
from planner_tui.core.plan.earlier_plans import extract_definitions, mentions
from planner_tui.core.plan.rulecheck import CHECKS, find_breaks
from planner_tui.core.text.contain import bullet, paragraph
from planner_tui.core.text.display import one_line, visible
from planner_tui.core.text.markdown import load

SIZES = (1_000, 10_000, 100_000)
GROWTH = 30.0
"""Ten times the input may cost at most this many times the time (linear is 10, quadratic 100)."""
FLOOR = 0.002
"""Times under this (seconds) count as this: tiny times are noise, not growth."""

# Pieces repeated to the size, each aimed at a pattern that used to backtrack (or might): runs of
# blanks, hyphenated words before `=`, bracket and bullet runs, code punctuation, token prefixes.
ATOMS = (
    "word-", "a=", "  ", "-", "- ", "**", "`", "# ", "1. ", "> ", "$a->", "(", ")", "[", "- [", "a/", "@a/",
    "](", "| -", ":", "x-key", "sk-a", "eyJa", "a.", "http://a:", "next ", "\\", "<a", "{", "a", "é", "npm i a",
)
TAILS = ("!=", "\n")
"""What follows the run: characters that make a pattern fail at the end (and pass its `=` hint), or a line break."""


def _title_of(tmp: Path) -> Callable[[str], object]:
    """The epic title read from a PRD whose first heading is the text."""
    folder = tmp / "e"
    folder.mkdir(exist_ok=True)

    def check(text: str) -> object:
        (folder / "04-prd.md").write_text("# " + text.replace("\n", " "), encoding="utf-8")
        return epic_title_from_docs(tmp, "e")

    return check


def _or_none(parse: Callable[[str, str], object]) -> Callable[[str], object]:
    def check(text: str) -> object:
        try:
            return parse(text, "f.md")
        except Exception as exc:  # a file that holds nothing is refused: that is an answer too
            return exc

    return check


def _jsonc(text: str) -> object:
    try:
        return load_jsonc(text)
    except (ValueError, RecursionError) as exc:  # what the config reader turns into a note
        return exc


def checks(tmp: Path) -> dict[str, Callable[[str], object]]:
    return {
        **{f"rule: {key}": fn for key, fn in CHECKS.items()},
        "rule: all (find_breaks)": find_breaks,
        "rule: packages brought in": package_names,
        "plan bullet (containment)": bullet,
        "plan paragraph (containment)": paragraph,
        "names of earlier plans": lambda t: extract_definitions(t, "p.md"),
        "names in an entry": mentions,
        "links in a document": extract_links,
        "artifacts list of a task": parse_artifact_list,
        "epic title from a PRD": _title_of(tmp),
        "rules file": _or_none(parse_rules),
        "MCP list file": _or_none(parse_mcp_list),
        "topic line": split_topic,
        "question reference": split_ref,
        "MCP config (JSON with comments)": _jsonc,
        "markdown reader": load,
        "display (one line)": lambda t: one_line(t, 10_000_000),
        "display (visible)": visible,
    }


def _text(atom: str, size: int, tail: str) -> str:
    return (atom * (size // len(atom) + 1))[: size - len(tail)] + tail


def _clear_caches() -> None:
    for fn in (find_breaks, mentions, bullet, paragraph, package_names):
        for inner in vars(__import__(fn.__module__, fromlist=["_"])).values():
            if hasattr(inner, "cache_clear"):
                inner.cache_clear()


def _time(check: Callable[[str], object], text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        _clear_caches()
        start = time.perf_counter()
        check(text)
        best = min(best, time.perf_counter() - start)
    return best


def _grows_too_fast(times: list[float]) -> bool:
    return any(max(b, FLOOR) > GROWTH * max(a, FLOOR) for a, b in zip(times, times[1:]))


def _worst_inputs(check: Callable[[str], object]) -> list[tuple[str, str, list[float]]]:
    """Every input at 1 and 10 KB; the slowest few of them (at 10 KB) also at 100 KB."""
    small = []
    for atom in ATOMS:
        for tail in TAILS:
            small.append((atom, tail, [_time(check, _text(atom, size, tail), 1) for size in SIZES[:2]]))
    small.sort(key=lambda row: row[2][1], reverse=True)
    # Growth shows at 10 KB for all but the fastest inputs; the slowest few are taken to 100 KB.
    return [(a, t, times + [_time(check, _text(a, SIZES[2], t), 1)]) for a, t, times in small[:WIDE]] + small[WIDE:]


WIDE = 3
"""How many of each check's slowest inputs are also timed at 100 KB."""


@pytest.mark.slow
def test_H3_rule_checks_take_time_linear_in_the_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every check run over an entry, a plan or a file of the pack (the rule checks, packages, plan
    containment, names of earlier plans, links, artifact lists, epic titles, the rules and MCP
    files, topic lines, question references, JSON with comments, the markdown reader, display
    cleaning) is timed on adversarial inputs of 1 and 10 KB built from runs that make
    backtracking patterns explode (a hyphenated word repeated before an `=`, runs of blanks,
    brackets, bullets, code punctuation, token prefixes, each followed by a failing character
    and an `=`, or by a line break), and the slowest of them again at 100 KB. Ten times the
    input may cost at most thirty times the time (times under 2 ms count as 2 ms; an input that
    grows too fast is timed again before it fails); the table of the worst input per check is
    printed."""
    gc.disable()  # a collection pause inside one timing is not growth
    try:
        rows, slow = [], []
        for name, check in checks(tmp_path).items():
            measured = _worst_inputs(check)
            for atom, tail, times in measured:
                if _grows_too_fast(times):  # measure again before calling it growth
                    times[:] = [_time(check, _text(atom, size, tail), 3) for size in SIZES[: len(times)]]
                if _grows_too_fast(times):
                    slow.append(f"{name} on {atom!r}×n{tail!r}: {times}")
            atom, tail, times = max(measured[:WIDE], key=lambda row: row[2][-1])
            rows.append((name, *times, f"{atom!r}×n{tail!r}"))
    finally:
        gc.enable()
    with capsys.disabled():
        print("\ncheck | 1 KB ms | 10 KB ms | 100 KB ms | worst input")
        for name, t1, t10, t100, what in rows:
            print(f"{name} | {t1 * 1e3:.2f} | {t10 * 1e3:.2f} | {t100 * 1e3:.2f} | {what}")
    assert not slow, "time grows faster than the input:\n" + "\n".join(slow)


def test_H3_a_20_KB_hyphenated_entry_is_checked_at_once() -> None:
    """The entry that made `status` take twenty seconds (a hyphenated word repeated over 20 KB,
    then an `=`) is checked in well under a second, and is still not taken for a secret."""
    text = "word-" * 4_000 + "=x"
    _clear_caches()
    start = time.perf_counter()
    found = find_breaks(text)
    assert time.perf_counter() - start < 0.5
    assert [f for f in found if f.rule == "credentials"] == []


@pytest.mark.slow
def test_H3c_the_workbench_draws_its_first_frame_at_once_with_that_entry(drive) -> None:
    """With that 20 KB entry in the discussion the workbench opens and draws the plan's first
    lines within seconds (it stayed blank for nearly a minute when the rule checks backtracked)."""
    import asyncio

    from workbench_kit import SIZE

    agent = drive.planner()
    agent.add(agent.role.topics[0].id, "decision", "word-" * 4_000 + "=x")
    _clear_caches()

    async def scenario() -> float:
        start = time.perf_counter()
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            preview = screen.plan_pane.preview
            await drive.until(pilot, lambda: preview.lines_on_screen, timeout=30, what="the plan's first lines")
            return time.perf_counter() - start

    assert asyncio.run(scenario()) < 15
