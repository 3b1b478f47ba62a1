"""What the command handlers share: who writes, the planner the options name, safe output, the line naming what changed."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any

from planner_tui.core.epic.citations import parse_cite
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Citation
from planner_tui.core.text.display import visible

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner

__all__ = [
    "author", "open_planner", "epics_in_discussion", "read_stdin", "cite", "out", "print_json", "done", "done_lines", "forget_done", "GuardedOutput", "OutputFailed",
]


def author(args: argparse.Namespace) -> str:
    """Who writes: `--as`, else `$PLANNER_TUI_AUTHOR`, else `agent`."""
    chosen = getattr(args, "author", None) or os.environ.get("PLANNER_TUI_AUTHOR") or "agent"
    if chosen not in ("person", "agent"):
        raise PlannerError(f"PLANNER_TUI_AUTHOR must be person or agent, not {chosen!r}.")
    return chosen


def open_planner(args: argparse.Namespace) -> "Planner":
    """The planner for the project, epic, role and prompt pack the global options name."""
    from planner_tui.core.engine import Planner  # heavy: only for commands that need it

    from planner_tui.settings import load_settings

    planner = Planner.open(args.project, prompts=args.prompts, epic=args.epic, role=args.role, author=author(args))
    planner.require_approval = load_settings().agent_approval  # the commit gate is the same everywhere
    _OPENED[:] = [planner]
    return planner


def epics_in_discussion(planner: "Planner") -> list[str]:
    """Folders of the epics whose discussion of this role is not committed yet: their session holds
    entries and the plan it renders is not the committed one. Epics without a session are not read."""
    from planner_tui.core.engine import Planner
    from planner_tui.core.storage.store import STATE_DIR

    sessions = planner.project.root / STATE_DIR / "sessions"
    try:
        folders = sorted(p.name for p in sessions.iterdir() if (p / f"{planner.role.key}.json").is_file())
    except OSError:
        return []
    found = []
    for folder in folders:  # only epics with a session are read, never the whole list
        if folder == planner.epic.folder:
            other = planner
        else:
            try:
                epic = planner.project.choose_epic(folder)
            except PlannerError:
                continue  # a session left by an epic folder that is gone
            if epic.folder != folder:
                continue
            other = Planner(planner.project, epic, clock=planner.clock)
        if any(t.entries for t in other.session.topics) and other.render() != other.committed_plan():
            found.append(folder)
    return found


def read_stdin() -> str:
    """stdin as UTF-8 text; bytes that are not UTF-8 are refused in words (no session can hold them)."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        error = PlannerError(f"stdin is not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); give the text as UTF-8.")
        error.exit_code = 2  # type: ignore[attr-defined]  # a usage error, like a text argument that is not UTF-8
        raise error from None


def cite(value: str | None) -> Citation | None:
    """`--cite PATH[:LINE]` as a citation; checked (inside the project, the line exists) by Planner.add."""
    return parse_cite(value) if value else None


def out(text: str = "") -> None:
    """Print a line with control characters made visible."""
    print(visible(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def print_json(data: Any) -> None:
    """Print data as JSON; a file name that is not UTF-8 (a lone surrogate) stays a `\\udcff` escape.

    Written raw, such a character becomes an invalid byte (or a crash) on stdout. On an output
    encoding other than UTF-8 (`PYTHONIOENCODING=ascii`) every other character is a `\\u00e9` escape
    too, so the JSON stays valid where the text would be escaped as `\\xe9`.
    """
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
    text = None
    if encoding.startswith("utf8"):
        from pydantic_core import PydanticSerializationError, to_json

        # The same text as json.dumps (numbers may differ only in form: 1e-7 for 1e-07), made in
        # Rust: `epics --json` of 10,000 epics takes 0.05 s here against 0.3 s in the json module.
        try:
            text = to_json(data, indent=2, inf_nan_mode="constants").decode("utf-8")
        except PydanticSerializationError:
            pass  # a lone surrogate: the json module writes it, escaped below
    if text is None:
        text = json.dumps(data, indent=2, ensure_ascii=not encoding.startswith("utf8"))
    print(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


_DONE: list[str] = []
_OPENED: list["Planner"] = []  # the planner this run opened, for `done`


def done(what: str) -> None:
    """Say on stderr what a command changed, naming the epic and role it acted on, once it is changed.

    An agent that left out `--epic` sees which epic it acted on; when stdout then cannot be
    written, this line is what says that the change (a commit) was made.
    """
    where = f"{_OPENED[0].epic.folder} ({_OPENED[0].role.name})" if _OPENED else "done"
    line = visible(f"planner-tui: {where}: {what}")
    _DONE.append(line)
    print(line, file=sys.stderr)


def done_lines() -> list[str]:
    """The lines `done` printed in this run."""
    return list(_DONE)


def forget_done() -> None:
    """Start a run with nothing done yet (tests run several in one process)."""
    _DONE.clear()
    _OPENED.clear()


class OutputFailed(Exception):
    """Writing to stdout failed (a full disk, a closed pipe): not an error of the command itself."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class GuardedOutput:
    """sys.stdout for a command: a failed write raises OutputFailed, told apart from any other OSError."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputFailed(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
