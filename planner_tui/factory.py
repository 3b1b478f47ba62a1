"""The one way to build the workbench app, used by the command line, the tests and the screenshots."""

from __future__ import annotations

import gc
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from planner_tui.core.errors import PlannerError
from planner_tui.core.models import utcnow
from planner_tui.core.text.display import visible

if TYPE_CHECKING:  # the CLI imports this module for every command: Textual only when the app runs
    from planner_tui.app import PlannerApp
    from planner_tui.settings import Settings

__all__ = ["make_app", "run_workbench"]


def make_app(
    project: Path | None = None,
    *,
    prompts: Path | None = None,
    epic: str | None = None,
    role: str = "backend",
    settings: "Settings | None" = None,
    clock: Callable[[], datetime] = utcnow,
    watch: bool = True,
) -> "PlannerApp":
    """Load the project (before the first frame, so errors come as one sentence) and build the app.

    The epic is opened at once when it was named or the project has only one; otherwise the app
    starts on the epic picker. Raises PlannerError when the project cannot be loaded.
    """
    # Start-up (modules, the session, the screen's widgets and styles) makes tens of thousands of
    # objects and almost no garbage, yet the collector would walk them a few hundred times before
    # the first frame: it is paused until the app has frozen them (`PlannerApp.resume_collection`).
    _one_malloc_arena()
    collecting = gc.isenabled()
    gc.disable()
    try:
        from planner_tui.app import PlannerApp
        from planner_tui.core.project import Project
        from planner_tui.settings import load_settings

        chosen_settings = settings if settings is not None else load_settings()
        loaded = Project.load(project, prompts=prompts, role=role)
        from planner_tui.screens.workbench.trust import open_planner

        planner, notice = None, None
        if epic is not None or len(loaded.epics) <= 1:
            planner, notice = open_planner(loaded, loaded.choose_epic(epic), clock=clock)
        app = PlannerApp(loaded, planner, settings=chosen_settings, clock=clock, watch=watch, startup_notice=notice)
    except BaseException:
        if collecting:
            gc.enable()
        raise
    app.collection_paused = collecting
    return app


def _one_malloc_arena() -> bool:
    """Let the workbench's threads share the main malloc arena (glibc; elsewhere nothing happens).

    glibc gives each thread that allocates its own arena, and the workbench has a few (the
    file watcher's, the render worker's, the save thread's): about 0.7 MB of memory touched for
    no speed, since Python threads allocate while holding the interpreter's lock anyway.
    True when glibc took the setting.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    M_ARENA_MAX = -8  # from glibc's malloc.h
    return mallopt(M_ARENA_MAX, 1) == 1


def run_workbench(
    project: Path | None = None,
    prompts: Path | None = None,
    epic: str | None = None,
    role: str = "backend",
    *,
    note: str | None = None,
    replies: list[str] | None = None,
) -> int:
    """Run the workbench; prints the commit's reply line (exactly) on stdout when it committed.

    `note` is shown in the top bar (where the demo copy is); the reply line is also appended to
    `replies` when given (the demo keeps a copy that holds a commit).
    """
    try:
        app = make_app(project, prompts=prompts, epic=epic, role=role)
    except PlannerError as exc:
        print(f"planner-tui: {visible(str(exc))}", file=sys.stderr)
        return 1
    app.project_note = note
    reply = app.run()
    if reply:
        print(reply)
        if replies is not None:
            replies.append(reply)
    return 0 if app.return_code in (0, None) else app.return_code
