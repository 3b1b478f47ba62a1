"""Discussion topics of a role prompt: split each line into title and points, slug it, and map it
to the scaffold section (and placeholder slot) its decisions land in."""

from __future__ import annotations

import re
from functools import lru_cache

from planner_tui.core.text.markdown import plain
from planner_tui.core.text.names import split_outside_brackets
from planner_tui.core.models import KINDS, Scaffold, ScaffoldSection, TopicSpec

__all__ = ["split_topic", "topic_id", "stem", "words", "build_topics", "NON_TOPIC_SECTIONS"]

STOP_WORDS = frozenset(
    "a an and or the of for to from in on with by at as is are be it its their this that these "
    "those any all per via into onto what which who how when where our your we you each every "
    "needed need use used using".split()
)
_HEADING_WEIGHT = 3
_SLUG_WORDS = 3


def stem(word: str) -> str:
    """A deliberately crude stem, so `caching`/`cache` and `queues`/`queue` meet."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


NON_TOPIC_SECTIONS = frozenset(stem(k.section.split()[0]) for k in KINDS.values() if k.section)
"""Stems of headings that collect cross-cutting entries (Risks, Notes), never a topic's decisions."""


_SAME_WORD = {
    "i18n": "i18n", "l10n": "i18n", "internationalization": "i18n", "internationalisation": "i18n",
    "localization": "i18n", "localisation": "i18n", "translation": "i18n", "translations": "i18n",
}
"""Words a heading and a topic use for one thing (`Localization` lands under `Internationalization`)."""


_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_NOT_LETTER = re.compile(r"[^A-Za-z]+")


def words(text: str) -> set[str]:
    """Stemmed content words of a text: letters only, no stop words, no single letters."""
    return set(_words(text))


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    # Asked for each section heading and placeholder once per topic: a prompt of 200 topics
    # asked for the same few dozen texts 7,400 times (0.3 s of every call).
    out = set()
    for raw in _NOT_ALNUM.split(text):
        if raw.lower() in _SAME_WORD:
            out.add(_SAME_WORD[raw.lower()])
            continue
        for part in _NOT_LETTER.split(raw):  # `oauth2` is `oauth`, as before
            low = part.lower()
            if len(low) < 2 or low in STOP_WORDS:
                continue
            out.add(_SAME_WORD.get(low) or stem(low))
    return frozenset(out)


def _points(text: str) -> list[str]:
    items = [p.strip().rstrip(".").strip() for p in split_outside_brackets(text, ",;")]
    items = [re.sub(r"^(and|or)\s+", "", p, flags=re.IGNORECASE) for p in items]
    items = [p for p in items if p]
    # "a, b and c" written without the serial comma still names three things.
    if len(items) >= 2 and items[-1].count(" and ") == 1:
        items[-1:] = [p.strip() for p in items[-1].split(" and ")]
    return items


def _colon_at(text: str) -> int:
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0 and (i + 1 == len(text) or text[i + 1].isspace()):
            return i
    return -1


def split_topic(line: str) -> tuple[str, list[str]]:
    """Title and sub-points of a topic line.

    `API surface: endpoints, verbs.` -> (`API surface`, [endpoints, verbs]);
    `Domain boundaries (entities, relationships).` -> (`Domain boundaries`, [entities, relationships]);
    `Controllers, form requests, policies.` -> (`Controllers`, [controllers, form requests, policies]);
    anything else is a title without points.
    """
    text = plain(line).strip().rstrip(".").strip()
    colon = _colon_at(text)
    if colon > 0:
        return text[:colon].strip(), _points(text[colon + 1 :])
    m = re.match(r"^(.*?)\s*\(([^()]*,[^()]*)\)$", text)
    if m and m.group(1).strip():
        return m.group(1).strip(), _points(m.group(2))
    items = _points(text)
    if len(items) >= 2:
        first = items[0]
        # The first item doubles as the title; as a point it reads like the others.
        if len(first) > 1 and first[0].isupper() and not first[1].isupper():
            items[0] = first[0].lower() + first[1:]
        return first, items
    return text, []


def topic_id(title: str, taken: set[str]) -> str:
    """A short stable id from the title's first content words, made unique against `taken`."""
    kept = [w.lower() for w in re.split(r"[^A-Za-z0-9]+", title) if w and w.lower() not in STOP_WORDS]
    base = "-".join(kept[:_SLUG_WORDS]) or "topic"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _is_topic_section(sec: ScaffoldSection) -> bool:
    heading_words = [stem(w) for w in re.split(r"[^A-Za-z]+", sec.heading.lower()) if w]
    return bool(heading_words) and heading_words[0] not in NON_TOPIC_SECTIONS


def _best_section(tokens: set[str], sections: list[ScaffoldSection]) -> ScaffoldSection:
    best, best_score = sections[0], -1
    for sec in sections:
        head = _words(sec.heading)
        body: set[str] = set()
        for p in sec.placeholders:
            body |= _words(p)
        score = sum(_HEADING_WEIGHT * (t in head) + (t in body) for t in tokens)
        if score > best_score:  # ties go to the earlier section
            best, best_score = sec, score
    return best


def _clear_slot(tokens: set[str], sec: ScaffoldSection) -> int | None:
    scores = [len(tokens & _words(p)) for p in sec.placeholders]
    if not scores:
        return None
    top = max(scores)
    return scores.index(top) if top > 0 and scores.count(top) == 1 else None


def build_topics(lines: list[str], scaffold: Scaffold, role_name: str = "") -> list[TopicSpec]:
    """TopicSpecs for the topic lines, each mapped to its default section.

    The words of the role's own name (`Testing`) say nothing about where a topic lands and are
    left out. A section that collects cross-cutting entries (Risks) takes a topic only when the
    topic's title names it (`Risks: …` -> `Risks & Mitigations`). A topic gets a slot only when
    it shares its section with another topic (Domain & Data holds both the domain topic and the
    database-changes topic) and one placeholder clearly fits it best.
    """
    eligible = [s for s in scaffold.sections if _is_topic_section(s)] or scaffold.sections
    others = [s for s in scaffold.sections if s not in eligible]
    ignore = words(role_name)
    taken: set[str] = set()
    parsed = []
    for n, line in enumerate(lines, start=1):
        title, points = split_topic(line)
        tokens = (_words(title) | set().union(*(_words(p) for p in points))) - ignore
        named = [s for s in others if _words(title) & _words(s.heading) - ignore]
        sec = _best_section(tokens or _words(title), eligible + named)
        parsed.append((n, line, title, points, tokens, sec))
    shared = {}
    for *_, sec in parsed:
        shared[sec.heading] = shared.get(sec.heading, 0) + 1
    topics = []
    for n, line, title, points, tokens, sec in parsed:
        slot = _clear_slot(tokens, sec) if shared[sec.heading] > 1 else None
        topics.append(
            TopicSpec(
                id=topic_id(title, taken),
                number=n,
                title=title,
                text=line.strip(),
                points=points,
                section=sec.heading,
                slot=slot,
            )
        )
    return topics
