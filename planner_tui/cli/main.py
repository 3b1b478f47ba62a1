"""The command line: the parser built from the command registry, and dispatch with one error policy."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from planner_tui import __version__
from planner_tui.cli import context
from planner_tui.cli.exits import EXIT_BLOCKED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from planner_tui.cli.registry import COMMANDS, DEFAULT_COMMAND, find
from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import visible

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error said in one `planner-tui:` line (exit 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"planner-tui: {visible(message)} (see `{self.prog} --help`).\n")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool, project: bool = True) -> None:
    """Options accepted both before and after the command (`planner-tui status --epic 12`)."""
    # After the command they default to SUPPRESS, so they never overwrite a value given before it.
    default = argparse.SUPPRESS if suppress else None
    if project:
        parser.add_argument("--project", type=Path, default=default, metavar="DIR", help="project folder (default: the git work tree around the current folder)")
    parser.add_argument("--epic", default=default, metavar="EPIC", help="epic id, slug or folder name (default: the only one, else the most recently changed; commit refuses to guess)")
    parser.add_argument("--role", default=argparse.SUPPRESS if suppress else "backend", metavar="ROLE", help="role: backend, 03-backend, or a prompt file (default: backend)")
    parser.add_argument("--prompts", type=Path, default=default, metavar="DIR", help="prompt pack folder (default: found in the project)")


@functools.cache  # made once per process: the warm process makes it before forking each call (about 25 ms)
def build_parser() -> argparse.ArgumentParser:
    """The argument parser, made from the command registry (parsing leaves it as it was)."""
    parser = _Parser(
        prog="planner-tui",
        description="Plan one role of an epic: the workbench with no command, or a command for scripts and agents.",
    )
    parser.add_argument("--version", action="version", version=f"planner-tui {__version__}")
    _global_options(parser, suppress=False)
    common = _Parser(add_help=False)
    _global_options(common, suppress=True)
    no_project = _Parser(add_help=False)  # `demo` makes its own project: --project would mean nothing there
    _global_options(no_project, suppress=True, project=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        p = sub.add_parser(
            command.name, help=command.help, description=command.help,
            parents=[no_project if command.name == "demo" else common],
        )
        for argument in command.args:
            argument.add_to(p)
    return parser


def _not_utf8(args: argparse.Namespace) -> str | None:
    """A usage error naming the first text argument that is not valid UTF-8 (the shell passed raw bytes).

    Python hands such bytes over as lone surrogates, which no session file or commit can hold.
    Epic and role names are only looked up, so an unknown one is refused naming the choices.
    """
    for name, value in vars(args).items():
        if name in ("epic", "role") or not isinstance(value, str):
            continue
        if any("\ud800" <= c <= "\udfff" for c in value):
            shown = repr(os.fsencode(value))[2:-1]
            return f"{name.upper().replace('_', '-')} is not valid UTF-8 ({shown}); give it as UTF-8 text."
    return None


def _open_standard_streams() -> bool:
    """Reopen a closed stdin, stdout or stderr on /dev/null (so no file opened later takes its
    number and receives output or a child's output); True when stdout was closed."""
    closed = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.append(fd)
    for fd in closed:
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    if 2 in closed or sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)
    if 1 in closed or sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)
        return True
    return False


def _plain_output(stream: object) -> None:
    """An output encoding that cannot show a character (PYTHONIOENCODING=ascii) writes it as `\\xe9`."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding not in ("utf8", "utf8sig") and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="backslashreplace")


def _output_lost(exc: OSError) -> int:
    """stdout could not be written (a full disk, a closed pipe): say so, and what was already done."""
    try:  # later writes and the final flush go nowhere instead of failing again at exit
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass
    done = context.done_lines()
    if isinstance(exc, BrokenPipeError) and not done:
        return EXIT_OK  # the reader stopped reading (`| head`): nothing to say
    reason = exc.strerror or str(exc)
    if done:
        print(f"planner-tui: the output could not be written to stdout ({reason}), but the change was made: "
              f"{done[-1].removeprefix('planner-tui: ')}", file=sys.stderr)
        return EXIT_OK
    print(f"planner-tui: the output could not be written to stdout ({reason}); nothing was changed.", file=sys.stderr)
    return EXIT_BLOCKED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see `cli.exits`)."""
    stdout_closed = _open_standard_streams()
    for stream in (sys.stdout, sys.stderr):
        _plain_output(stream)
    args = build_parser().parse_args(argv)
    if stdout_closed:
        print("planner-tui: stdout is closed, so nothing could say what was done; nothing was done "
              "(to discard the output, send it to /dev/null).", file=sys.stderr)
        return EXIT_USAGE
    problem = _not_utf8(args)
    if problem is not None:
        print(f"planner-tui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    command = find(args.command or DEFAULT_COMMAND)
    context.forget_done()
    real_stdout = sys.stdout
    if command.name not in ("ui", "demo", "mcp"):  # the workbench and the MCP server own their streams
        sys.stdout = context.GuardedOutput(real_stdout)
        from planner_tui.core.storage import memo

        memo.remember_across_processes()  # one call, one process: the checks' results kept on disk
    try:
        code = command.handler(args)
        sys.stdout.flush()
        return code
    except context.OutputFailed as exc:
        return _output_lost(exc.error)
    except PlannerError as exc:
        print(f"planner-tui: {visible(str(exc))}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_BLOCKED)
    except OSError as exc:
        print(f"planner-tui: {visible(str(exc.strerror or exc))}: {visible(str(exc.filename or ''))}", file=sys.stderr)
        return EXIT_BLOCKED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still one sentence, unless asked for the traceback
        if os.environ.get("PLANNER_TUI_DEBUG"):
            raise
        print(f"planner-tui: internal error ({type(exc).__name__}: {visible(str(exc))}); set PLANNER_TUI_DEBUG=1 for details.", file=sys.stderr)
        return EXIT_BLOCKED
    finally:
        if sys.stdout is not real_stdout and isinstance(sys.stdout, context.GuardedOutput):
            sys.stdout = real_stdout
