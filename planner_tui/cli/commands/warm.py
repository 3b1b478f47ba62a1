"""`planner-tui warm`: whether a warm process answers this Python's calls; start it ahead, or stop it."""

from __future__ import annotations

import argparse
import os
import time

from planner_tui.cli.context import out, print_json
from planner_tui.cli.exits import EXIT_BLOCKED, EXIT_OK
from planner_tui.core.text.display import visible
from planner_tui.core.text.reading import human_size
from planner_tui.warm import client
from planner_tui.warm.place import enabled, socket_folder, socket_path

__all__ = ["warm"]


def _said(state: dict) -> str:
    since = time.strftime("%H:%M:%S", time.localtime(state["since"]))
    minutes = state["idle"] / 60
    calls = state["calls"]
    held = state.get("held") or {"files": 0, "bytes": 0}
    holds = (f"; it holds {held['files']} file{'' if held['files'] == 1 else 's'} the calls read decoded ahead "
             f"({human_size(held['bytes'])})" if held["files"] else "")
    return (f"a warm process (pid {state['pid']}, started {since}) has answered {calls} command{'' if calls == 1 else 's'} "
            f"of this Python{holds}; it leaves after {minutes:g} minutes unused. Socket: {visible(state['socket'])}")


def warm(args: argparse.Namespace) -> int:
    if not enabled(os.environ):
        out("planner-tui: every command runs in its own process (PLANNER_TUI_WARM is off, or this system cannot pass files to another process).")
        return EXIT_OK if not (args.start or args.stop) else EXIT_BLOCKED
    path = socket_path(os.environ, client.package_dir(), create=args.start)
    folder = socket_folder(os.environ)
    if path is None and os.path.exists(folder):
        out(f"planner-tui: every command runs in its own process: the folder for the warm process's socket, "
            f"{visible(folder)}, is not a folder only you can enter (it must be yours, mode 700).")
        return EXIT_BLOCKED if (args.start or args.stop) else EXIT_OK
    state = client.ask(path, "ping") if path else None
    if args.stop:
        if state is None:
            out("planner-tui: no warm process was running.")
        else:
            client.ask(path, "stop")
            out(f"planner-tui: stopped the warm process (pid {state['pid']}).")
        return EXIT_OK
    if args.start and state is None:
        if client.start(wait=10.0) is None or (state := client.ask(path, "ping") if path else None) is None:
            out("planner-tui: the warm process did not answer within 10 seconds (it leaves at once when planner-tui's "
                "files change while it starts; any error it met is in " + (f"{visible(path)}.log)." if path else "its log)."))
            return EXIT_BLOCKED
    if args.json:
        print_json(state)
    elif state is None:
        out("planner-tui: no warm process runs for this Python; the next command starts one (PLANNER_TUI_WARM=0 turns this off).")
    else:
        out(f"planner-tui: {_said(state)}")
    return EXIT_OK
