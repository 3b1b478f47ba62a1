"""Decide whether a plan may be committed: every reason it may not, in words a person acts on."""

from __future__ import annotations

import re
from itertools import chain, compress
from operator import attrgetter
from pathlib import PurePosixPath
from typing import Literal, NamedTuple, TYPE_CHECKING

from planner_tui.core.discussion.numbering import question_numbers
from planner_tui.core.models import Blocker, RoleSpec, RuleBook, Session, TopicSpec
from planner_tui.core.text import markdown
from planner_tui.core.plan.placing import Placed, place_entries
from planner_tui.core.plan.render import plan_headings, scaffold_headings

if TYPE_CHECKING:
    from planner_tui.core.epic.citations import Stale
    from planner_tui.core.plan.earlier_plans import Contradiction
    from planner_tui.core.plan.rulecheck import Finding

__all__ = ["Checks", "blockers", "first_blockers", "is_ready"]


class Checks(NamedTuple):
    """Everything that stops the commit, with the stale entries and the differences from earlier
    plans among it as found (the workbench marks them on the thread and the plan)."""

    blockers: list[Blocker]
    stale: list[Stale]
    contradictions: list[Contradiction]


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _topic_label(role: RoleSpec, topic_id: str) -> str:
    spec = next((t for t in role.topics if t.id == topic_id), None)
    return f"topic {spec.number}, {spec.title}" if spec else f"topic {topic_id}"


def _topic_blockers(role: RoleSpec, session: Session) -> list[Blocker]:
    out = []
    total = len(role.topics)
    for spec in role.topics:
        state = session.topic(spec.id)
        if state is None or not state.confirmed:
            out.append(
                Blocker(
                    kind="topic",
                    message=f"Topic {spec.number} of {total}, {spec.title}, is not confirmed.",
                    topic=spec.id,
                )
            )
    return out


def _question_blockers(role: RoleSpec, session: Session) -> list[Blocker]:
    order = {t.id: i for i, t in enumerate(role.topics)}
    states = sorted(session.topics, key=lambda s: order.get(s.id, len(order)))
    out = []
    for state in states:
        asked = state.open_questions
        numbers = question_numbers(state) if asked else {}  # the thread's #N, the one numbering
        for q in asked:
            label = _topic_label(role, state.id)
            out.append(
                Blocker(
                    kind="question",
                    message=f'Open question #{numbers.get(q.id, 0)} in {label}: "{_quote(q.text)}"',
                    topic=state.id,
                    entry=q.id,
                )
            )
    return out


def _owner(role: RoleSpec, heading: str) -> TopicSpec | None:
    low = heading.lower()
    return next((t for t in role.topics if t.section.lower() == low), None)


class _SectionBodies:
    """Whether a section's lines after its heading hold anything but spaces and tabs: looked up
    from where its ATX heading lines start (a plan of 10,000 bullets is not split into lines),
    else from the text split into lines (a setext heading, whose underline is a line of its body)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # A CR counts as a line break for `markdown.sections` and not here: such a text is split.
        self.starts = markdown.atx_line_starts(text) if "\r" not in text else {}
        self.total = text.count("\n") + (0 if text.endswith("\n") else 1)
        self._lines: list[str] | None = None

    def has_text(self, start: int, end: int) -> bool:
        at = self.starts.get(start)
        stop = len(self.text) if end >= self.total else self.starts.get(end)
        if at is not None and stop is not None:
            after = self.text.find("\n", at, stop)
            return after >= 0 and _TEXT.search(self.text, after + 1, stop) is not None
        if self._lines is None:
            self._lines = self.text.split("\n")
        return any(line.strip(" \t") for line in self._lines[start + 1 : end])


_TEXT = re.compile(r"[^ \t\n]")
_ENTRY_TEXT = attrgetter("entry.text")


def _section_blockers(role: RoleSpec, plan_text: str) -> list[Blocker]:
    """Bullet sections with nothing under them (prose sections such as Notes may stay empty)."""
    spans = {s.heading: (s.start, s.end) for s in markdown.sections(plan_text)}
    body = _SectionBodies(plan_text)
    out = []
    for sec in role.scaffold.sections:
        if sec.is_prose:
            continue
        owner = _owner(role, sec.heading)
        if sec.heading not in spans:
            message = f"The plan has no {sec.heading} section."
        else:
            if body.has_text(*spans[sec.heading]):
                continue
            if owner is not None:
                where = f"add a decision in topic {owner.number}, {owner.title}"
            elif sec.heading.lower().startswith("risk"):
                where = "record a risk in any topic"
            else:  # no topic maps here: any topic's entry can be put here by hand
                where = f'add a decision to any topic with --section "{sec.heading}", or move one there'
            message = f"Section {sec.heading} is empty: {where}."
        topic = owner.id if owner else None
        out.append(Blocker(kind="section", message=message, section=sec.heading, topic=topic))
    return out


def _outline_blocker(role: RoleSpec, plan_text: str) -> list[Blocker]:
    want = scaffold_headings(role)
    have = plan_headings(plan_text)
    if role.scaffold.title_line.lstrip().startswith("#") and want and have:
        # The title's text depends on the epic; only its level must match.
        want, have = [(want[0][0], "")] + want[1:], [(have[0][0], "")] + have[1:]
    if have == want:
        return []
    return [
        Blocker(
            kind="template",
            message="The plan's headings differ from the scaffold's; render it again before committing.",
        )
    ]


def _rule_message(who: str, finding: Finding, rules: RuleBook | None, source: str) -> str:
    """The break, the offending text, and the rule's own words; a rule the file lacks is not quoted from it."""
    from planner_tui.core.plan.rulecheck import rule_quote, rule_text

    quoted = rule_quote(finding.rule, rules)
    if quoted is None:
        lacks = f"{source} has no rule for it" if rules is not None else f"no {source} was read"
        return f'{who} has {finding.what} ("{finding.quote}"), which planner-tui\'s own check forbids ({lacks}): "{rule_text(finding.rule, None)}"'
    plain = " ".join(quoted.replace("**", "").replace("__", "").split())
    return f'{who} has {finding.what} ("{finding.quote}"), which {source} forbids: "{plain}"'


def _rule_blockers(
    role: RoleSpec,
    session: Session,
    plan_text: str,
    rules: RuleBook | None,
    packages: frozenset[str] | None | Literal[False],
    placed: Placed | None = None,
) -> list[Blocker]:
    # Imported here: the rule patterns (dozens, compiled at import) are not needed for the first
    # blockers a workbench shows, nor by a command that only adds an entry.
    from planner_tui.core.plan.dependencies import names_each, unlisted
    from planner_tui.core.plan.rulecheck import breaks_each, find_breaks, rule_text, unescape_plan

    source = PurePosixPath(rules.source).name if rules and rules.source else "01-forbidden.md"
    out: list[Blocker] = []
    placed = place_entries(role, session) if placed is None else placed
    ordered = list(chain.from_iterable(placed[sec.heading] for sec in role.scaffold.sections))
    texts = list(map(_ENTRY_TEXT, ordered))  # in C: a list of 10,000 texts is made at every check
    breaks = breaks_each(texts)
    # Most entries break nothing and bring in no package: only those that do are looked at.
    hits = set(compress(range(len(texts)), breaks))
    if packages is not False:  # False: the package list is not checked
        names = names_each(texts)
        hits.update(compress(range(len(texts)), names))
    for at in sorted(hits):
        item, brought = ordered[at], names[at] if packages is not False else ()
        found = [*breaks[at], *unlisted(brought, packages)] if brought else breaks[at]  # type: ignore[arg-type]
        for finding in found:
            rule = rule_text(finding.rule, rules)
            who = f"Entry {item.entry.id} ({_topic_label(role, item.topic)})"
            out.append(
                Blocker(
                    kind="rule",
                    message=_rule_message(who, finding, rules, source),
                    topic=item.topic,
                    entry=item.entry.id,
                    section=item.section,
                    rule=rule,
                )
            )
    # Then whatever the plan text holds beyond these entries (the epic title, a stale plan):
    # cut each entry's rendered block out first so no break is reported twice.
    blocks = [block for sec in role.scaffold.sections for block in placed.blocks(sec.heading, sec.is_prose)]
    # The scaffold's own headings are the role's output, never an added section (a lead's
    # required "Recommendation" is not the "Recommendations" section the rules forbid).
    own = {f"## {sec.heading}" for sec in role.scaffold.sections}
    rest = "\n".join([ln for ln in _cut_blocks(plan_text, blocks).split("\n") if not ln or ln.rstrip() not in own])
    for finding in find_breaks(unescape_plan(rest)):
        rule = rule_text(finding.rule, rules)
        out.append(
            Blocker(kind="rule", message=_rule_message("The plan", finding, rules, source), rule=rule)
        )
    return out


def _cut_blocks(text: str, blocks: list[str]) -> str:
    """The text with each block's first occurrence removed in turn, like `replace(block, "", 1)`.

    Done with a cursor rather than a new copy of the plan per entry (which costs the square of
    the plan's size): blocks come in plan order, so each is found after the previous one. The
    text kept before the cursor is checked too, so the result is the same as the plain loop's.
    A run of one-line blocks that follow each other a line apart, as a section's bullets do (or
    a blank line apart, as its paragraphs), is cut at once (`_cut_run`): a section of 10,000
    bullets is one comparison, not 10,000 steps.
    """
    kept = ""  # what precedes the cursor once the blocks before it are cut out
    joined = ""  # kept without its line breaks: a block of one line is in kept only if it is in here
    cursor = 0
    at_block = 0
    size = 2  # the run tried next: doubled after a run that matched, halved after one that did not
    while at_block < len(blocks):
        if kept.endswith("\n") and text.startswith("\n", cursor):
            apart = "\n\n" if text.startswith("\n\n", cursor) else "\n"  # bullets, or paragraphs (a blank line between)
            while size >= 2 and (cut := _cut_run(text, cursor, joined, blocks[at_block : at_block + size], apart)) is None:
                size //= 2
            if cut is not None:
                kept += apart * cut
                cursor += sum(map(len, blocks[at_block : at_block + cut])) + len(apart) * cut
                at_block += cut
                size = min(2 * size, _RUN)
                continue
            size = 2
        block = blocks[at_block]
        at_block += 1
        span = len(block)
        one_line = "\n" not in block
        # A match that starts in the kept text (or runs across the cursor) comes first: one
        # inside it, else one that starts in its last span - 1 characters (no copy of it all).
        # A block of one line never runs across a cursor that a line break precedes.
        at = kept.find(block) if not one_line or block in joined else -1
        if at < 0 and kept and not (one_line and kept[-1] == "\n"):
            edge = max(0, len(kept) - span + 1)
            at = (kept[edge:] + text[cursor : cursor + span - 1]).find(block)
            at = at if at < 0 else edge + at
        if at >= 0:
            whole = kept + text[cursor:]
            text, kept, joined, cursor = whole[:at] + whole[at + span :], "", "", 0
            continue
        at = text.find(block, cursor)
        if at >= 0:
            gap = text[cursor:at]
            kept += gap
            joined += gap.replace("\n", "") if "\n" in gap else gap
            cursor = at + span
    return kept + text[cursor:]


_RUN = 256
"""The most blocks `_cut_run` compares at once. A run that does not match is tried again half as
long: each block costs the loop a bounded number of looks, whatever the text."""


def _cut_run(text: str, cursor: int, joined: str, run: list[str], apart: str) -> int | None:
    """How many blocks at the start of `run` the loop of `_cut_blocks` would cut, each right after
    a line break (the kept text ending in one): each of one line and not in `joined` (so not
    earlier in the kept text), the text at the cursor `apart` (one line break or two), a block,
    `apart`, the next... None when fewer than two do, or the text differs."""
    if "\n" in "".join(run) or not all(run) or (joined and any(map(joined.__contains__, run))):
        run = run[: next(i for i, block in enumerate(run) if not block or "\n" in block or block in joined)]
    if len(run) < 2 or not text.startswith(apart + apart.join(run), cursor):
        return None
    return len(run)


def blockers(
    role: RoleSpec,
    session: Session,
    plan_text: str,
    rules: RuleBook | None,
    *,
    packages: frozenset[str] | None | Literal[False] = False,
    placed: Placed | None = None,
) -> list[Blocker]:
    """Everything that stops the commit, in order: topics, open questions, sections, rule breaks.

    Empty prose sections (Notes) do not block; Risks and every bullet section do. Rule breaks
    are found in each entry that lands in the plan (naming the entry and topic) and in the
    plan text; each quotes the rule it breaks from `rules` word for word, or says that it is the
    built-in check's wording when the file has no such rule. With `packages` (the names the
    epic's 03-packages.md lists, None when it has none) a package an entry brings in that the list
    lacks breaks the rule against adding dependencies silently. `placed` is
    `place_entries(role, session)` when the caller has it already.
    """
    return (
        _topic_blockers(role, session)
        + _question_blockers(role, session)
        + _section_blockers(role, plan_text)
        + _outline_blocker(role, plan_text)
        + _rule_blockers(role, session, plan_text, rules, packages, placed)
    )


def first_blockers(role: RoleSpec, session: Session, plan_text: str) -> list[Blocker]:
    """The blockers the session and the plan text tell at once (topics, open questions, empty
    sections), in `blockers`' order: what the workbench's first frame shows while the rest (rule
    breaks, citations, earlier plans, git) is checked after it."""
    return _topic_blockers(role, session) + _question_blockers(role, session) + _section_blockers(role, plan_text)


def is_ready(found: list[Blocker]) -> bool:
    """True when nothing blocks the commit."""
    return not found
