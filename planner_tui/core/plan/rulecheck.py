"""Find text that breaks the plan rules of 01-forbidden.md: estimates, banned sections, code, secrets."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

from planner_tui.core.models import Rule, RuleBook
from planner_tui.core.storage.memo import Space, recall, recall_each, rows
from planner_tui.core.text.contain import PER_ENTRY_CACHE

__all__ = ["RULE_KEYS", "CHECKS", "Finding", "find_breaks", "breaks_each", "rule_text", "rule_quote", "unescape_plan"]

RULE_KEYS = ("time", "sections", "code", "credentials", "dependencies")
"""The rules checked, in the order their findings are reported (dependencies: see `dependencies`)."""

# Keywords that find the rule's own line in a RuleBook, and the wording used without one.
_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "time": (("time estimate",), "Do not give or hint at time estimates (hours, days, sprints)."),
    "sections": (
        ("next steps", "recommendations", "to do next"),
        'Never add sections called "Next steps", "Recommendations" or "To do next".',
    ),
    "code": (
        ("code block", "source code", "no code", "write code", "code while planning", "code snippet", "boilerplate"),
        "Plans carry no source code blocks.",
    ),
    "dependencies": (("dependenc",), "Do not add dependencies silently: every package is listed in 03-packages.md."),
    "credentials": (
        ("credential", "api key", "secret"),
        "Never paste real credentials, tokens or API keys.",
    ),
}


class Finding(NamedTuple):
    """One rule break found in a text."""

    rule: str
    """One of RULE_KEYS."""
    what: str
    """What was found, in words, e.g. `a time estimate`."""
    quote: str
    """The offending text, short and one line (secrets are masked)."""


def _plain(text: str) -> str:
    return re.sub(r"[*_`]", "", text).lower()


def rule_quote(key: str, rules: RuleBook | None) -> str | None:
    """The text of the 01-forbidden.md rule behind a check, word for word, or None when it has none."""
    keywords, _ = _RULES[key]
    if rules is not None:
        candidates: list[Rule] = [r for c in rules.categories for r in c.rules]
        candidates.sort(key=lambda r: r.kind != "forbidden")  # stable: forbidden rules first
        for kw in keywords:
            for rule in candidates:
                if kw in _plain(rule.text):
                    return rule.text
    return None


def rule_text(key: str, rules: RuleBook | None) -> str:
    """The text of the forbidden.md rule behind a check, or the built-in wording without one."""
    quoted = rule_quote(key, rules)
    return quoted if quoted is not None else _RULES[key][1]


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- time estimates

_UNIT_FULL = r"(?:hours?|hrs?|days?|weeks?|wks?|months?|sprints?)"
_DIGITS = r"\d++(?:[.,]\d++)?(?:\s*+(?:-|–|to)\s*+\d++(?:[.,]\d++)?)?"
_WORDNUM = (
    r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a\s+few|few|several|"
    r"a\s+couple\s+of|couple\s+of|half\s+an?)"
)
# Runtime durations (`TTL 10 min`, `backoff 60s`, `≤500 ms`) are never effort: no min/s/ms.
_DURATION = re.compile(
    rf"(?i)(?:(?<![\w.]){_DIGITS}\s*+(?:-\s*+)?(?:{_UNIT_FULL}|h|d|w)\b|\b{_WORDNUM}\s++{_UNIT_FULL}\b)"
)
_EFFORT = re.compile(
    r"(?i)\b(?:estimat\w*|effort|(?:will|would|should|could|might|may)\s+take|takes?|took|taking|"
    r"to\s+(?:implement|build|develop|deliver|ship|finish|complete|code|write)|"
    r"of\s+(?:work|dev|development|effort|engineering)|dev(?:elopment)?\s+time|timeline|"
    r"deadline|turnaround|(?:ready|done|delivered|finished|shipped|completed)\s+(?:in|by|within)|"
    r"(?:ship|deliver|implement|build|finish|code)\w*\s+(?:it\s+|this\s+|them\s+)?(?:in|within))\b"
)
_ALWAYS_TIME = re.compile(
    r"(?i)\b(?:story[\s-]*points?|(?:man|person|dev|developer|engineer)[\s-]*"
    r"(?:hours?|days?|weeks?|months?)|sprints?|t-shirt\s+siz\w*)\b|\bETA\b"
)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n")


def _time_estimates(text: str) -> list[Finding]:
    out = [Finding("time", "a time estimate", _clip(m.group(0))) for m in _ALWAYS_TIME.finditer(text)]
    for sentence in _SENTENCE.split(text):
        duration = _DURATION.search(sentence)
        if duration and _EFFORT.search(sentence):
            out.append(Finding("time", "a time estimate", _clip(sentence.strip())))
    return out[:1]  # one estimate is enough to block; listing each wording again is noise


# --------------------------------------------------------------------------- banned sections

_LABEL = r"(?:next\s+steps?|recommendations?|to[\s-]*do\s+next|to-?dos?\s+next)"
_LEAD = r"^[ \t]*+(?:\\?>[ \t]*+)*+(?:\\?[-*+][ \t]++|\d++\\?[.)][ \t]++)?(?:\\?#{1,6}+[ \t]*+)?"
_SECTION_LINE = re.compile(
    rf"(?im){_LEAD}(?:\*\*|__)?[ \t]*+({_LABEL})[ \t]*+(?:\*\*|__)?[ \t]*+(?::.*|(?:\*\*|__)?[ \t]*+$)"
)
_SECTION_BOLD = re.compile(rf"(?i)(\*\*|__)[ \t]*+({_LABEL})[ \t]*+(?::[ \t]*+)?\1")


def _banned_sections(text: str) -> list[Finding]:
    out: list[Finding] = []
    spans: list[tuple[int, int]] = []
    for pattern, group in ((_SECTION_LINE, 1), (_SECTION_BOLD, 2)):
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in spans):
                continue  # a bold label on a label line is one finding, not two
            spans.append(m.span())
            what = f'a "{_clip(m.group(group))}" section'
            out.append(Finding("sections", what, _clip(m.group(0).strip())))
    return out


# --------------------------------------------------------------------------- code blocks

_FENCE_LINE = re.compile(r"(?m)^[ \t]*+(?:>[ \t]*+)*+\\?(?:`{3,}|~{3,}).*$")
_PHP_OPEN = re.compile(r"<\?(?:php\b|=)")
_DECL = re.compile(r"(?m)^[ \t]*(?:(?:public|private|protected)\s+(?:static\s+)?function\s+\w+\s*\(.*)$")
# Code punctuation before a line's last character; the line must end in `;`, `{` or `}` (see _is_code_line).
_CODE_MARK = re.compile(r"\$\w|->|::|=>|[()=]|\bfunction\b|\breturn\b")
_INDENTED = re.compile(r"^(?: {4,}|\t)")
# One statement is code too, inside prose or backticks: a variable used as code, a static or
# chained call, a line that is one call ended by `;`, a closure, `new X($…)`, an uppercase SQL statement. Plain
# references (`photo_id`, `Photo::class`, `create()`) are not. Every part is linear.
_ONE_LINE = re.compile(
    r"\$[A-Za-z_]\w*+(?:->\w|\[|[ \t]*+=(?![=>]))"
    r"|\b[A-Z]\w*+::[a-z_]\w*+\("
    r"|\)[ \t]*+->[ \t]*+\w++\("
    r"|(?m:^[ \t]*+(?:[-*+][ \t]++)?`?[A-Za-z_]\w*+\([^()\n]*+\)[ \t]*+;)"
    r"|\bfunction[ \t]*+\([^()\n]*+\)[ \t]*+(?:use[ \t]*+\([^()\n]*+\)[ \t]*+)?\{"
    r"|\bnew[ \t]++[A-Z]\w*+\((?:\$|\)|['\"])"
    r"|\b(?:ALTER|CREATE|DROP)[ \t]++TABLE\b|\bINSERT[ \t]++INTO\b"
)
_ONE_LINE_HINTS = ("$", "::", "->", ";", "(", "TABLE", "INSERT")


def _around(text: str, m: re.Match[str]) -> str:
    """The line of a match, from a little before it: the offending text, short."""
    start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 20)
    end = text.find("\n", m.end())
    return _clip(text[start : end if end >= 0 else len(text)])


def _is_code_line(line: str) -> bool:
    """A statement-looking line: ends in `;`, `{` or `}` with code punctuation before that.

    Two scans instead of `^.*(mark).*[;{}]$`, which backtracks over every split of a long line.
    """
    body = line.strip()
    return bool(body) and body[-1] in ";{}" and _CODE_MARK.search(body, 0, len(body) - 1) is not None


def _code_blocks(text: str) -> list[Finding]:
    """At most one finding: a text with code in it is one break, however much code it holds."""
    out = []
    # Each pattern needs a literal the text may not hold: the usual sentence skips them all.
    for hints, pattern in ((("```", "~~~"), _FENCE_LINE), (("<?",), _PHP_OPEN), (("function",), _DECL)):
        m = pattern.search(text) if any(h in text for h in hints) else None
        if m:
            out.append(Finding("code", "a source code block", _clip(m.group(0).strip())))
    lines = text.split("\n")
    run: list[str] = []
    # Two statement-looking lines in a row make a block; one inline call in prose does not.
    for line in lines + [""] if ";" in text or "{" in text or "}" in text else [""]:
        if _is_code_line(line):
            run.append(line)
            continue
        if len(run) >= 2:
            out.append(Finding("code", "a source code block", _clip(" ".join(run))))
        run = []
    # An indented block after a blank line (or at the start) with code punctuation in it.
    for i, line in enumerate(lines):
        if _INDENTED.match(line) and line.strip() and (i == 0 or not lines[i - 1].strip()):
            if re.search(r"[;{}()$=<>]", line):
                out.append(Finding("code", "an indented code block", _clip(line.strip())))
    one = _ONE_LINE.search(text) if not out and any(h in text for h in _ONE_LINE_HINTS) else None
    if one:
        out.append(Finding("code", "a line of code", _around(text, one)))
    return out[:1]


# --------------------------------------------------------------------------- credentials

_TOKEN_PATTERNS = [
    ("an API key", re.compile(r"\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_\-]{16,}")),
    ("a Stripe secret key", re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{12,}")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}")),
    ("a GitHub token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}")),
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("a JSON web token", re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("a Sentry DSN with its key", re.compile(r"https?://[0-9a-f]{32}(?::[0-9a-f]{32})?@[\w.-]+/\d+")),
    ("a password in a URL", re.compile(r"(?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]*+://[^\s:/@]+:(?![$<{%*])[^\s/@]{3,}@")),
]
_TOKEN_HINTS = [
    ("sk-",), ("k_live_", "k_test_"), ("gh",), ("github_pat_",), ("AKIA", "ASIA"), ("xox",), ("AIza",),
    ("eyJ",), ("-----BEGIN",), ("://",), ("://",),
]
"""A literal each of _TOKEN_PATTERNS needs, in the same order."""
_SECRET_NAME = (
    r"[A-Za-z0-9_.-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|[_-]key|dsn|credentials?)"
)
_ASSIGN = re.compile(
    rf"""(?i)(?<![A-Za-z0-9_.-])[._-]*+\b(?P<name>{_SECRET_NAME})\b["']?[ \t]*+(?:=>|=|:)[ \t]*+"""
    r"""(?:(?P<q>["'])(?P<qval>[^"'\n]*)(?P=q)|(?P<val>[^\s"',;)}\]]+))"""
)
_NOT_SECRET = re.compile(
    r"(?i)^(?:[$%<\[{]|env\(|getenv\(|process\.env|config\(|os\.environ|x{3,}$|\*+$|\.{3}|…|"
    r"(?:changeme|redacted|secret|password|null|none|true|false|empty|tbd|todo|example|dummy|"
    r"string|str|int|integer|bool|boolean|required|nullable|sometimes|hashed|encrypted|confirmed|"
    r"text|uuid|optional|array|object|number|hidden|bearer)$|your[-_])"
)
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,}(?![A-Za-z0-9+/_=-])")


def _mask(secret: str) -> str:
    # Show only enough to find it again; short secrets show less.
    return f"{secret[: min(4, len(secret) // 4)]}… ({len(secret)} characters)"


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _literal_secret(value: str, quoted: bool) -> bool:
    if _NOT_SECRET.match(value) or re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        return False
    if any(ch in value for ch in "|{:"):  # validation rules, key patterns, URLs: not a secret
        return False
    if quoted:
        return len(value) >= 4
    if len(value) < 6 or _KEBAB.match(value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9_.-]"))
    return classes >= 2 or len(value) >= 16


def _credentials(text: str) -> list[Finding]:
    found: list[tuple[int, int, Finding]] = []

    def add(start: int, end: int, what: str, secret: str) -> None:
        # One report per secret: the first, most specific pattern wins an overlapping span.
        if not any(s < end and start < e for s, e, _ in found):
            found.append((start, end, Finding("credentials", what, _mask(secret))))

    for (what, pattern), hints in zip(_TOKEN_PATTERNS, _TOKEN_HINTS):
        if any(h in text for h in hints):  # each token starts with a literal: skip the pattern without it
            for m in pattern.finditer(text):
                add(m.start(), m.end(), what, m.group(0))
    for m in _ASSIGN.finditer(text) if "=" in text or ":" in text else ():
        quoted = m.group("qval") is not None
        key = "qval" if quoted else "val"
        value = m.group(key)
        if value and _literal_secret(value, quoted):
            add(m.start(key), m.end(key), f"a literal {m.group('name')} value", value)
    for m in _LONG_TOKEN.finditer(text):
        tok = m.group(0)
        mixed = all(re.search(p, tok) for p in (r"[a-z]", r"[A-Z]", r"\d"))
        if mixed and _entropy(tok) >= 4.2:
            add(m.start(), m.end(), "a long random-looking string", tok)
    return [f for _, _, f in sorted(found, key=lambda t: t[0])]


def unescape_plan(text: str) -> str:
    """Plan text with the containment backslashes at line starts removed, for re-checking."""
    return re.sub(r"(?m)^([ \t]*(?:[-*+][ \t]+)?)\\(?=[^\s\\])", r"\1", text)


def find_breaks(text: str) -> list[Finding]:
    """Every rule break in this text, in RULE_KEYS order (at most one code finding)."""
    return list(_breaks(text))


def breaks_each(texts: Iterable[str]) -> list[tuple[Finding, ...]]:
    """`find_breaks` of each text, as tuples, in one loop (a session's entries)."""
    return recall_each(_MEMO, texts, _check, _breaks)


CHECKS: dict[str, Callable[[str], list[Finding]]] = {
    "time": _time_estimates,
    "sections": _banned_sections,
    "code": _code_blocks,
    "credentials": _credentials,
}
"""Each check by its RULE_KEYS key; every pattern in them runs in time linear in the text."""


def _check(text: str) -> tuple[Finding, ...]:
    return tuple(finding for check in CHECKS.values() for finding in check(text))


_MEMO: Space[tuple[Finding, ...]] = Space(
    "rule-breaks", (__file__,), lambda found: [[f.rule, f.what, f.quote] for f in found], rows(Finding, frozenset(RULE_KEYS), str, str)
)
"""The findings of a text, remembered across calls under the state folder (see `core.storage.memo`)."""


@lru_cache(maxsize=PER_ENTRY_CACHE)
def _breaks(text: str) -> tuple[Finding, ...]:
    # Pure and asked again for every entry on every render: remembered by text, in this
    # process and (inside `memo.remembering`) across processes.
    return recall(_MEMO, text, _check)
