"""Where each entry lands in the plan: its section, its slot and its place in the section's order."""

from __future__ import annotations

from datetime import timezone
from functools import partial
from itertools import compress, islice, repeat
from operator import attrgetter, eq, itemgetter, le, lt
from typing import NamedTuple

from planner_tui.core.discussion.answers import decision_entries
from planner_tui.core.models import KINDS, PLAN_KINDS, Entry, RoleSpec, ScaffoldSection, Session, TopicSpec
from planner_tui.core.storage import primed
from planner_tui.core.text.contain import bullet, paragraph

__all__ = ["Placed", "PlacedEntry", "place_entries", "section_blocks", "section_map"]


class PlacedEntry(NamedTuple):
    """An entry that lands in the plan, with where it lands (a tuple: one is made per entry per render)."""

    section: str
    """Scaffold heading it renders under."""
    slot: int | None
    """Placeholder slot it is grouped by, or None (after the slotted items)."""
    topic: str
    """Id of the topic whose thread holds it."""
    entry: Entry


class Placed(dict[str, list[PlacedEntry]]):
    """What `place_entries` returns: each scaffold heading's entries, in rendering order.

    A call places once and then renders and checks the same placement: each section's blocks
    are made once for both (`blocks`). The lists are not changed after placing."""

    __slots__ = ("_blocks",)

    def blocks(self, heading: str, prose: bool) -> tuple[str, ...]:
        """`section_blocks` of the heading's entries, made on the first ask."""
        try:
            made = self._blocks
        except AttributeError:
            made = self._blocks = {}
        found = made.get((heading, prose))
        if found is None:
            found = made[heading, prose] = section_blocks(self[heading], prose)
        return found


_BLANK = " \t\r\n"


def _resolve(role: RoleSpec, *candidates: str | None) -> ScaffoldSection:
    for heading in candidates:
        if heading:
            sec = role.scaffold.section(heading)
            if sec is not None:
                return sec
    return role.scaffold.sections[-1]


def _place(role: RoleSpec, spec: TopicSpec | None, kind_name: str, section: str | None) -> tuple[str, int | None]:
    """Where an entry of this kind and section lands: its own section if set, else by kind, else
    its topic's section."""
    topic_heading = spec.section if spec else None
    kind = KINDS[kind_name]
    sec = _resolve(role, section, kind.heading(role.scaffold), topic_heading)
    own = role.scaffold.section(topic_heading) if topic_heading else None
    slot = spec.slot if spec is not None and kind.primary and own is sec else None
    return sec.heading, slot


def _blocks_ahead(session: Session) -> None:
    # In the warm process, for a session it holds: each entry's bullet, which every call renders.
    for topic in session.topics:
        for entry in topic.entries:
            if entry.kind in PLAN_KINDS:
                bullet(entry.text)


primed.ahead("session", _blocks_ahead)


def place_entries(role: RoleSpec, session: Session) -> Placed:
    """Every decision, risk and note that lands in the plan, by heading, in rendering order.

    Order inside a section: slotted items by slot, then slot-less items; inside each group by
    topic order (the role's, then unknown topics in session order), time (UTC) and entry id.
    An entry whose target section is not in the scaffold lands in the last section (Notes).
    """
    placed = Placed((s.heading, []) for s in role.scaffold.sections)
    if not role.scaffold.sections:
        return placed
    specs = {t.id: t for t in role.topics}
    order = {t.id: i for i, t in enumerate(role.topics)}
    for state in session.topics:
        order.setdefault(state.id, len(order))
    # A topic's entries that land in one heading and group make one run, in thread order; the
    # runs are ordered by group and topic, each run by time. Per topic, not per entry, are the
    # Python steps: where each (kind, section) lands is asked once, and each run is picked out
    # of the thread in C (10,000 entries: 7.6 -> 6 ms, most of the rest one PlacedEntry each).
    runs: dict[str, list[tuple[tuple[int, int], int, int | None, str, list[Entry]]]] = {h: [] for h in placed}
    for state in session.topics:
        spec, topic, rank = specs.get(state.id), state.id, order[state.id]
        entries = decision_entries(state, with_question=True)  # an answered question decides
        # Blank as `normalise_text` sees it: only spaces, tabs and line breaks (a control
        # character is made visible, never dropped); its first character tells most apart,
        # and the first characters of all, joined, are looked at at once.
        firsts = "".join(map(_FIRST, map(_TEXT_OF, entries)))
        if len(firsts) < len(entries) or any(map(firsts.__contains__, _BLANK)):
            entries = [e for e in entries if e.text[:1] not in _BLANK or e.text.strip(_BLANK)]
        lands = list(map(_LANDS, entries))
        targets: dict[tuple[str, int | None], list[tuple[str, str | None]]] = {}
        for kind, section in dict.fromkeys(lands):  # each (kind, section) once, in thread order
            if kind in PLAN_KINDS:
                targets.setdefault(_place(role, spec, kind, section), []).append((kind, section))
        for (heading, slot), keys in targets.items():
            picks = map(eq, lands, repeat(keys[0])) if len(keys) == 1 else map(frozenset(keys).__contains__, lands)
            group = (0, slot) if slot is not None else (1, 0)
            runs[heading].append((group, rank, slot, topic, list(compress(entries, picks))))
    for heading, its_runs in runs.items():
        its_runs.sort(key=itemgetter(0, 1))  # (group, topic) is one run's own
        out = placed[heading]
        for _, _, slot, topic, entries in its_runs:
            out.extend(map(_placed, zip(repeat(heading), repeat(slot), repeat(topic), _in_time_order(entries))))
    return placed


_placed = partial(tuple.__new__, PlacedEntry)  # a PlacedEntry from a tuple, made in C
_AT = attrgetter("at")
_LANDS = attrgetter("kind", "section")
_TEXT_OF = attrgetter("text")
_FIRST = itemgetter(slice(0, 1))
_TZ = attrgetter("at.tzinfo")
_WHEN = attrgetter("at", "id")


def _in_time_order(entries: list[Entry]) -> list[Entry]:
    """A run's entries by time and id, stably (a thread is nearly always in time order already:
    then one comparison of neighbours in C, and no sort)."""
    times = list(map(_AT, entries))
    try:
        # Strictly rising times need neither the ids nor the zones: naive and aware times never
        # stand side by side in such a run, since comparing them raises.
        if all(map(lt, times, islice(times, 1, None))):
            return entries
    except TypeError:
        pass
    if None in map(_TZ, entries):
        # Naive times are taken as UTC so the order never depends on the machine's time zone.
        # Aware ones compare by their instant whatever their zone: not converted.
        keys = [(e.at.replace(tzinfo=timezone.utc) if e.at.tzinfo is None else e.at, e.id) for e in entries]
    else:
        keys = list(map(_WHEN, entries))
        if all(map(le, keys, islice(keys, 1, None))):
            return entries
    return [entry for _, entry in sorted(zip(keys, entries), key=itemgetter(0))]


def section_map(role: RoleSpec, session: Session, placed: Placed | None = None) -> list[dict[str, object]]:
    """Every scaffold section with the topics whose decisions land there by default, the entry
    kinds that land there from any topic (risks), and how many entries it holds now (moved ones
    included): the topic -> section mapping, made visible.

    A section no topic maps to is still filled by hand (`add --section`, `move`). `placed` is
    `place_entries(role, session)` when the caller has it already."""
    placed = place_entries(role, session) if placed is None else placed
    return [
        {
            "heading": sec.heading,
            "topics": [t.number for t in role.topics if t.section == sec.heading],
            "kinds": [k.name for k in KINDS.values() if k.heading(role.scaffold) == sec.heading],
            "entries": len(placed[sec.heading]),
            "prose": sec.is_prose,
        }
        for sec in role.scaffold.sections
    ]


_TEXT = attrgetter("entry.text")


def section_blocks(items: list[PlacedEntry], prose: bool) -> tuple[str, ...]:
    """The blocks a section's placed entries render as, blank ones left out (a loop in C: every
    render and every check of a session of 10,000 entries makes them)."""
    return tuple(filter(None, map(paragraph if prose else bullet, map(_TEXT, items))))
