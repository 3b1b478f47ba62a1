"""Write the README's key table from the real bindings (`--check` fails when it is out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

from planner_tui.keymap import ALL_BINDINGS

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- keys:start (scripts/readme_keys.py writes this table) -->", "<!-- keys:end -->"


def _keys(binding) -> str:
    keys = [k.strip() for k in binding.key.split(",") if k.strip()]
    return " · ".join(f"`{k}`" for k in keys)


def key_table() -> str:
    """One markdown table row per binding that has an id, grouped by where it works."""
    rows = ["| where | keys | what it does | id |", "|---|---|---|---|"]
    for where, bindings in ALL_BINDINGS.items():
        for binding in bindings:
            if not binding.id:
                continue
            what = binding.tooltip or binding.description or binding.action
            rows.append(f"| {where} | {_keys(binding)} | {what.replace('|', '/')} | `{binding.id}` |")
    return "\n".join(rows)


def updated(readme: str) -> str:
    head, sep, rest = readme.partition(START)
    if not sep:
        raise SystemExit(f"{README} has no {START} marker")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise SystemExit(f"{README} has no {END} marker")
    return f"{head}{START}\n{key_table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    new = updated(current)
    if "--check" in argv:
        if new != current:
            print("README.md's key table is out of date: run python scripts/readme_keys.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
