"""The Textual application: stylesheet, global keys, and which screen comes when; no planning logic."""

from __future__ import annotations

import gc
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from textual import events
from textual.binding import Binding
from textual.app import App, SystemCommand
from textual.screen import Screen

from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Epic, utcnow
from planner_tui.core.project import Project
from planner_tui.keymap import APP_BINDINGS, settings_problems
from planner_tui.settings import Settings

if TYPE_CHECKING:
    from planner_tui.screens.workbench.screen import WorkbenchScreen

__all__ = ["PlannerApp"]


_TEXTUAL_DUPLICATES = frozenset({"Keys"})
"""Textual's own palette commands that planner-tui's replace (its F1 help lists every key)."""


_NO_FULL_PASS = 1 << 30
"""A full-pass threshold the collector never reaches (young collections go on)."""
_FULL_PASS_OBJECTS = 60_000
"""Up to this many objects the collector tracks, a full collection before a freeze takes about 10 ms."""


class PlannerApp(App[str | None]):
    """The workbench app; `return_value` is the commit's reply line (None when the person quit)."""

    CSS_PATH = "app.tcss"
    BINDINGS = APP_BINDINGS
    TITLE = "planner-tui"

    def __init__(
        self,
        project: Project,
        planner: Planner | None,
        *,
        settings: Settings | None = None,
        clock: Callable[[], datetime] = utcnow,
        watch: bool = True,
        startup_notice: str | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        self.planner = planner
        self.settings = settings or Settings()
        self.clock = clock
        self.watch_files = watch and self.settings.watch
        self.keymap: dict[str, str] = dict(self.settings.keymap)
        """The user's keymap (binding id -> keys), applied with set_keymap."""
        self.startup_notice = startup_notice
        """Why the session file was moved aside at open (the recovery dialog shows it), if it was."""
        self.running_marker: Path | None | bool = False
        """This run's crash marker (False before the workbench opens, None while it cannot be written)."""
        self._frozen = False
        self._full_threshold: int | None = None
        """The collector's full-pass threshold while full passes wait for the first plan (`freeze_settled`)."""
        self.collection_paused = False
        """True while the garbage collector is paused for start-up (`make_app`); resumed at the first view."""
        self.project_note: str | None = None
        """Shown in the workbench's top bar (`demo copy: /tmp/…`)."""
        self.preparation_due = False
        """True from the opening of a new session's workbench until the preparation view is shown over it."""

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        # Said at start, as `planner-tui check` says it: a clashing key would silently do nothing.
        problems = settings_problems(self.keymap, self.settings.theme)
        if problems:
            self.notify("\n".join(problems), title="Settings", severity="warning", markup=False, timeout=12)
        if self.keymap:
            self.set_keymap(self.keymap)
        if self.planner is not None:
            self._open_workbench(self.planner)
        else:
            self._pick_epic()
        self.call_after_refresh(self.resume_collection)  # the workbench resumes it sooner

    def resume_collection(self) -> None:
        """Let the garbage collector run again, once start-up is over (see `make_app`)."""
        if self.collection_paused:
            self.collection_paused = False
            gc.enable()

    # ------------------------------------------------------------------ screens

    def _open_workbench(self, planner: Planner) -> None:
        from planner_tui.screens.workbench.screen import WorkbenchScreen

        self.planner = planner
        planner.require_approval = self.settings.agent_approval
        self.sub_title = f"{planner.role.name} · {planner.epic.folder}"
        fresh = planner.store.session is None
        self.push_screen(
            WorkbenchScreen(
                planner,
                markdown_limit=self.settings.markdown_limit,
                poll_interval=self.settings.poll_interval,
                watch=self.watch_files,
            )
        )
        self.preparation_due = fresh and self.settings.preparation

    def workbench_drawn(self, screen: WorkbenchScreen) -> None:
        """After the workbench's first frame (it asks, behind its own after-frame work): the
        preparation view a new session opens on, then the start-up checks (a recovery dialog
        comes over it).

        Not sooner: what a screen asks to run after the next frame waits on the top screen, and
        a view pushed before the workbench drew, then closed at once, would take it along.
        """
        from planner_tui.screens.workbench.trust import startup_checks

        if self.preparation_due:
            self.preparation_due = False
            self.show_preparation()
        notice, self.startup_notice = self.startup_notice, None
        startup_checks(self, screen, screen.planner, notice)

    def freeze_startup_objects(self) -> None:
        """Leave what start-up made (modules, classes, the workbench: most of the heap) out of GC passes.

        A full collection walks every live object; with the libraries loaded that is a pause of
        up to about 100 ms, which lands on whatever key is being typed. The workbench calls this
        once its first view is built (start-up leaves almost no garbage: no collection first,
        which would cost that same pause). Frozen objects are unfrozen when the app ends, so an
        app run inside a longer process (tests, scripts) leaves nothing behind.
        """
        if not self._frozen:
            self._frozen = True
            gc.freeze()
            # Until the first plan is shown checked, only the young generations are collected:
            # what it builds lives as long as the session, and a full pass meanwhile (50 ms at
            # 10,000 entries) would only walk it, under the keys of the first entry typed.
            young, middle, self._full_threshold = gc.get_threshold()
            gc.set_threshold(young, middle, _NO_FULL_PASS)
        self.resume_collection()

    def _resume_full_passes(self) -> None:
        if self._full_threshold is not None:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, self._full_threshold)
            self._full_threshold = None

    def freeze_settled(self) -> None:
        """Leave what the workbench built once it settled out of GC passes too.

        A large session's first plan makes a hundred thousand objects that live as long as it
        does (its lines' rows, the entries' copies and checks): left in the oldest generation,
        each full collection walked them, a pause of 80 to 100 ms about once per change on a
        session of 10,000 entries. What start-up left as garbage is collected first, so it is
        not frozen with them (Textual's strips hold themselves in a cycle: 0.3-1 MB): every
        generation while that is cheap (8 ms at 50,000 objects, the demo), only the young ones
        above `_FULL_PASS_OBJECTS` (a full pass over 150,000 objects is the 50 ms pause itself).
        """
        # Counted over every generation (what a full pass walks): the plan's objects may still be young.
        gc.collect(2 if len(gc.get_objects()) <= _FULL_PASS_OBJECTS else 1)
        gc.freeze()
        self._frozen = True
        self._resume_full_passes()

    def on_unmount(self) -> None:
        self.resume_collection()  # an app that never drew a frame must not leave it paused
        self._resume_full_passes()
        if self._frozen:
            gc.unfreeze()  # collectable again once the app is gone
        # A clean exit removes the crash marker; after an unhandled exception it stays, so the
        # next start can say the session ended unexpectedly.
        if self._exception is None and isinstance(self.running_marker, Path):
            from planner_tui.core.storage.crash import clear_running

            clear_running(self.running_marker)

    def switch_planner(self, planner: Planner, notice: str | None = None) -> None:
        """Reopen the workbench on another Planner (another role of the epic); the old one closes.

        Everything of the old role is already saved; its crash marker goes with it.
        """
        from planner_tui.screens.workbench.screen import WorkbenchScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, WorkbenchScreen):
            self.pop_screen()
        if isinstance(self.screen, WorkbenchScreen):
            self.pop_screen()
        if isinstance(self.running_marker, Path):
            from planner_tui.core.storage.crash import clear_running

            clear_running(self.running_marker)
            self.running_marker = False
        self.project = planner.project
        self.startup_notice = notice
        self._open_workbench(planner)

    def _pick_epic(self) -> None:
        try:
            from planner_tui.dialogs.epic_picker import EpicPicker
        except ImportError:
            self._epic_chosen(self.project.choose_epic(None))
            return
        self.push_screen(EpicPicker(list(self.project.epics)), self._epic_chosen)

    def _epic_chosen(self, epic: Epic | None) -> None:
        if epic is None:
            self.exit(None)
            return
        from planner_tui.screens.workbench.trust import open_planner

        try:
            planner, self.startup_notice = open_planner(self.project, epic, clock=self.clock)
        except PlannerError as exc:
            self.notify(str(exc), severity="error", markup=False)
            self._pick_epic()
            return
        self._open_workbench(planner)

    def show_preparation(self) -> None:
        """The preparation view: rules, MCP servers, pipeline position (helper screen, if present)."""
        if self.planner is None:
            return
        try:
            from planner_tui.screens.preparation import PreparationScreen
        except ImportError:
            self.notify("The preparation view is not available in this build.", severity="warning", markup=False)
            return
        if not isinstance(self.screen, PreparationScreen):
            self.push_screen(PreparationScreen(self.planner))

    def action_help(self) -> None:
        from planner_tui.screens.help import HelpScreen, collect_bindings

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(collect_bindings(self.screen)))

    # ------------------------------------------------------------------ commands and focus

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands, then every described binding active on the screen (same source as F1)."""
        seen: set[str] = set()
        for command in super().get_system_commands(screen):
            if command.title in _TEXTUAL_DUPLICATES:
                continue  # Textual's keys panel: F1 (help) lists every key of planner-tui's own
            seen.add(command.title)
            yield command
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id or not binding.description or binding.system or binding.description in seen:
                continue
            if binding.action in ("command_palette", "app.command_palette", "quit", "app.quit"):
                continue
            seen.add(binding.description)
            yield SystemCommand(binding.description, self._command_help(binding), partial(self._run_bound, active.node, binding.action))
        # A printable key (B, E, t …) is not active while the composer has focus (it would be
        # typed), but the palette runs the action itself: the screen's own commands are listed too.
        own = screen._bindings.copy()
        if self.keymap:
            own.apply_keymap(self.keymap)
        for _key, binding in own:
            if not binding.id or not binding.description or binding.system or binding.description in seen:
                continue
            if binding.action in ("command_palette", "app.command_palette", "quit", "app.quit") or screen.check_action(binding.action, ()) is False:
                continue
            seen.add(binding.description)
            yield SystemCommand(binding.description, self._command_help(binding), partial(self._run_bound, screen, binding.action))

    def _command_help(self, binding: Binding) -> str:
        """The palette's second line: what the command does (never its title again) and its key."""
        key = self.get_key_display(binding)
        if binding.tooltip and binding.tooltip.rstrip(".") != binding.description:
            return f"{binding.tooltip} ({key})"
        return f"Key: {key}"

    async def _run_bound(self, node, action: str) -> None:
        await self.run_action(action, node)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Tests and screenshots turn blinking off so every frame is the same.
        if not self.settings.cursor_blink and hasattr(event.widget, "cursor_blink"):
            event.widget.cursor_blink = False  # type: ignore[attr-defined]
