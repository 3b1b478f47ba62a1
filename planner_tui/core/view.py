"""A read-only view of a Planner's session, frozen at one moment, for workers to read from."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from planner_tui.core.errors import PlannerError
from planner_tui.core.models import Blocker, Epic, RoleSpec, Session
from planner_tui.core.plan import readiness
from planner_tui.core.plan.placing import Placed, place_entries
from planner_tui.core.project import Project
from planner_tui.core.storage.store import SessionStore

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner
    from planner_tui.core.epic.search import Hit

__all__ = ["PlannerView"]

T = TypeVar("T")


class _FrozenStore(SessionStore):
    """The store under a view: one private copy of the session, never read again nor written."""

    def __init__(self, store: SessionStore, session: Session) -> None:
        super().__init__(store.root, store.epic_folder, store.role_key, clock=store.clock)
        self.session = session
        self.read_only = store.read_only
        self.read_only_reason = store.read_only_reason

    def refresh(self) -> bool:
        return False  # frozen: what another writer saves since is not this view's

    def snapshot(self) -> Session | None:
        return self.session  # already private to the view: nothing changes it

    def mutate(self, fn: Callable[[Session], T], *, create: Callable[[], Session] | None = None) -> T:
        raise PlannerError("A read-only view of the session cannot change it.")


class PlannerView:
    """What a worker thread may read: the session as it was, rendered and checked by the engine's own rules.

    Built on the UI thread (by `Planner.view()`), then handed to a worker: later changes to the
    Planner's session never reach it, and it never writes. It reads the same files the Planner
    does (artifacts, earlier plans, git), so its answers are the Planner's for that session.
    """

    def __init__(self, planner: Planner, session: Session) -> None:
        # A shallow copy shares the project, epic and role (never changed after opening); only
        # its store differs, so every read method is the engine's own, on the frozen session.
        reader = copy.copy(planner)
        reader.store = _FrozenStore(planner.store, session)
        self._reader = reader
        self.session_path: Path = planner.store.path
        """The session file the view was copied from."""

    # ------------------------------------------------------------------ what it is of

    @property
    def project(self) -> Project:
        return self._reader.project

    @property
    def epic(self) -> Epic:
        return self._reader.epic

    @property
    def role(self) -> RoleSpec:
        return self._reader.role

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._reader.clock

    @property
    def author(self) -> str:
        return self._reader.author

    @property
    def session(self) -> Session:
        """The frozen copy of the session (shared, never to be changed)."""
        return self._reader.session

    @property
    def read_only(self) -> bool:
        return self._reader.read_only

    @property
    def plan_path(self) -> str:
        return self._reader.plan_path

    @property
    def require_approval(self) -> bool:
        """The `agent_approval` setting of the Planner it was copied from."""
        return self._reader.require_approval

    # ------------------------------------------------------------------ reading

    def placed(self) -> Placed:
        """Where each entry lands in the plan (`place_entries`), for `render` and `blockers` to share."""
        return place_entries(self.role, self.session)

    def render(self, *, placed: Placed | None = None) -> str:
        """The plan as markdown, as the Planner renders it for this session."""
        return self._reader.render(placed=placed)

    def blockers(self, *, approve_overwrite: bool = False, plan_text: str | None = None, placed: Placed | None = None) -> list[Blocker]:
        """Everything that stops the commit of this session, in the engine's order."""
        return self._reader.blockers(approve_overwrite=approve_overwrite, plan_text=plan_text, placed=placed)

    def checks(self, *, plan_text: str | None = None, placed: Placed | None = None) -> readiness.Checks:
        """`blockers`, with the stale entries and differences from earlier plans they name."""
        return self._reader.checks(plan_text=plan_text, placed=placed)

    def first_blockers(self, plan_text: str) -> list[Blocker]:
        """What blocks the commit as far as the session and plan text tell without reading files
        or asking git: topics, open questions, empty sections (see `readiness.first_blockers`)."""
        return readiness.first_blockers(self.role, self.session, plan_text)

    def committed_plan(self) -> str | None:
        return self._reader.committed_plan()

    def search(self, text: str, *, limit: int = 500) -> list[Hit]:
        """Every line holding text in the artifacts, this session and the plan it renders."""
        from planner_tui.core.epic.search import search_all  # only when a person searches

        return search_all(self._reader, text, limit=limit)

    def status(self) -> dict[str, Any]:
        """The session's state as plain data, as `status --json` prints it."""
        return self._reader.status()
