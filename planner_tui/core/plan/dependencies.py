"""Find the composer and npm packages a text brings in that the epic's `03-packages.md` does not list."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from planner_tui.core.plan.rulecheck import Finding
from planner_tui.core.storage.memo import Space, recall, recall_each, strings
from planner_tui.core.text.contain import PER_ENTRY_CACHE
from planner_tui.core.text.reading import read_text_safely

__all__ = ["PACKAGES_FILE", "package_names", "names_each", "listed_packages", "unlisted_dependencies", "unlisted"]

PACKAGES_FILE = "03-packages.md"
"""The epic's list of the packages it may use (in the epic folder)."""

# `vendor/name` as composer spells it, `@scope/name` as npm does; a name never ends a file path
# (`.md`, `.php`) and is lowercase. Each part is one possessive run: linear time.
_PART = r"[a-z0-9](?:[a-z0-9_.-]*+(?<=[a-z0-9]))?"
_SCOPED = re.compile(rf"(?<![\w@/.-])@{_PART}/{_PART}(?![\w/@])")
_VENDOR = re.compile(rf"(?<![\w@/.-]){_PART}/{_PART}(?![\w/@])")
_FILE = re.compile(r"\.(?:md|php|js|ts|json|ya?ml|txt|css|html?|vue|blade)$")
# An install command names its packages; the first word that is not an option ends the list.
_INSTALL = re.compile(
    r"\b(?:composer[ \t]++(?:require|req)|npm[ \t]++(?:install|i|add)|yarn[ \t]++add|pnpm[ \t]++(?:add|install|i)|bun[ \t]++add)"
    r"((?:[ \t]++(?:--?[\w-]++|@?[a-z0-9][\w.@/^~=<>*-]*+))++)"
)
_BACKTICKED = re.compile(r"`([^`\n]{1,214})`")
# `a vendor/name package` or `the library vendor/name`: a bare pair named as a package.
_NAMED = re.compile(rf"\b(?:package|library|dependency|module)[ \t]++`?({_PART}/{_PART})`?|`?({_PART}/{_PART})`?[ \t]++(?:package|library|dependency)\b", re.I)
_VERSION = re.compile(r"(?<=.)[@:^~=<>].*$")
# `x/y to composer.json`, `@a/b in package.json`: a pair added to a manifest.
_INTO_MANIFEST = re.compile(rf"`?(@?{_PART}/{_PART})`?[ \t]++(?:to|in|into)[ \t]++(?:the[ \t]++)?`?(?:composer|package)\.json\b")


def _clean(name: str) -> str:
    return _VERSION.sub("", name.strip().strip("`'\",;.")).lower()


def _is_package(name: str) -> bool:
    return bool(name) and not _FILE.search(name) and name.count("/") <= 1 and ".." not in name


@lru_cache(maxsize=PER_ENTRY_CACHE)
def package_names(text: str) -> tuple[str, ...]:
    """The package names a text brings in, in order: from install commands, `@scope/name`,
    backticked `vendor/name`, and a bare `vendor/name` called a package or library or added to
    `composer.json` or `package.json`."""
    return recall(_MEMO, text, _package_names)


_MEMO: Space[tuple[str, ...]] = Space("package-names", (__file__,), list, strings)
"""The names of a text, remembered across calls under the state folder (see `core.storage.memo`)."""


def _package_names(text: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    for m in _INSTALL.finditer(text) if "install" in text or "require" in text or "add" in text else ():
        for word in m.group(1).split():
            if not word.startswith("-"):
                found.append((m.start(1), _clean(word)))
    for m in _SCOPED.finditer(text) if "@" in text else ():
        found.append((m.start(), m.group(0)))
    for m in _BACKTICKED.finditer(text) if "`" in text else ():
        inner = m.group(1).strip()
        if _VENDOR.fullmatch(inner) or _SCOPED.fullmatch(inner):
            found.append((m.start(), inner.lower()))
    for m in _NAMED.finditer(text) if "/" in text else ():
        found.append((m.start(), (m.group(1) or m.group(2)).lower()))
    for m in _INTO_MANIFEST.finditer(text) if ".json" in text else ():
        found.append((m.start(), m.group(1).lower()))
    seen: dict[str, None] = {}
    for _, name in sorted(found):
        if _is_package(name):
            seen.setdefault(name, None)
    return tuple(seen)


def listed_packages(root: Path, epic_path: str) -> frozenset[str] | None:
    """Every package name `03-packages.md` of the epic mentions, or None when it has no such file."""
    result = read_text_safely(Path(root), f"{epic_path}/{PACKAGES_FILE}")
    if result.state != "present" or result.text is None:
        return None
    text = result.text
    names = set(package_names(text))
    names.update(m.group(0).lower() for m in _VENDOR.finditer(text))
    # A table or list may name npm packages bare (`alpinejs`): every backticked word counts.
    names.update(_clean(m.group(1)) for m in _BACKTICKED.finditer(text))
    return frozenset(names)


def unlisted_dependencies(text: str, listed: frozenset[str] | None) -> list[Finding]:
    """One finding per package the text brings in that `03-packages.md` does not list."""
    return unlisted(package_names(text), listed)


def names_each(texts: Iterable[str]) -> list[tuple[str, ...]]:
    """`package_names` of each text in one loop (a session's entries)."""
    return recall_each(_MEMO, texts, _package_names, package_names)


def unlisted(names: tuple[str, ...], listed: frozenset[str] | None) -> list[Finding]:
    """`unlisted_dependencies` of a text whose `package_names` are `names`."""
    if not names:
        return []
    what = f"a dependency that {PACKAGES_FILE} does not list"
    if listed is None:
        what = f"a dependency, and the epic has no {PACKAGES_FILE} to list it"
    return [Finding("dependencies", what, name) for name in names if listed is None or name not in listed]
