"""The planning engine for one epic and role: the discussion, the plan, readiness and the commit."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, NamedTuple, TYPE_CHECKING, TypeVar

from planner_tui.core.discussion import approval
from planner_tui.core.plan import revise
from planner_tui.core.discussion import actions
from planner_tui.core.errors import GitRefusal, PlanError, PlannerError, SessionError
from planner_tui.core.models import Blocker, Citation, Entry, Epic, Session, utcnow
from planner_tui.core.plan.placing import Placed
from planner_tui.core.plan.render import project_templates, render_plan
from planner_tui.core.project import Project
from planner_tui.core.pack.prompts import commit_message, output_path, reply_line
from planner_tui.core.storage.containment import make_folders, not_utf8, plan_target
from planner_tui.core.storage import memo
from planner_tui.core.storage.files import atomic_write_text
from planner_tui.core.storage.store import SessionStore

if TYPE_CHECKING:
    from planner_tui.core.epic import citations
    from planner_tui.core.plan import earlier_plans
    from planner_tui.core.plan.readiness import Checks
    from planner_tui.core.view import PlannerView

# Imported where used, what only some calls need: an agent's `add`, `answer` or `confirm` is a fresh
# process that never checks readiness or earlier plans (dozens of patterns compiled at import), and
# the workbench's first frame needs neither citations nor git.

__all__ = ["Planner", "CommitOutcome", "NotReady"]

T = TypeVar("T")


class NotReady(PlannerError):
    """The commit was refused because something still blocks it."""

    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        first = blockers[0].message if blockers else "unknown reason"
        more = f" (and {len(blockers) - 1} more)" if len(blockers) > 1 else ""
        super().__init__(f"Not ready to commit: {first}{more}")


class CommitOutcome(NamedTuple):
    """What a commit did: the reply line to print, and anything the person should know."""

    reply: str
    path: str
    sha: str | None
    created: bool
    committed: bool
    notes: list[str]
    message: str = ""
    """One line saying what git did: `Committed abc1234 on main in <repo>` or `already committed (abc1234)`."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Planner:
    """One role's planning of one epic, shared by the workbench and the command line.

    Every change goes through the session store, which writes it to disk (atomically, under a
    lock, merged with whatever another writer saved) before the call returns.
    """

    def __init__(self, project: Project, epic: Epic, *, clock: Callable[[], datetime] = utcnow, author: str = "person") -> None:
        self.project = project
        self.epic = epic
        self.role = project.role
        self.clock = clock
        self.author = author
        self.author_name: str | None = None
        """The agent's own name (an MCP client's), kept on the entries it writes as `agent`."""
        self.require_approval = False
        """The `agent_approval` setting: an agent's decision blocks the commit until the person keeps it."""
        self.store = SessionStore(project.root, epic.folder, self.role.key, clock=clock)
        self.store.load()
        if self.store.session is not None and not self.store.read_only:
            if actions.sync_topics(self.store.session, self.role):
                self._mutate(lambda s: actions.sync_topics(s, self.role))
        self.imported = revise.import_committed(self)
        """What importing the committed plan did (None when there was a session or no plan)."""

    @classmethod
    def open(
        cls,
        project: Path | None = None,
        *,
        prompts: Path | None = None,
        epic: str | None = None,
        role: str = "backend",
        clock: Callable[[], datetime] = utcnow,
        author: str = "person",
        home: Path | None = None,
    ) -> "Planner":
        """Load the project and open the working epic's session for the role."""
        proj = Project.load(project, prompts=prompts, role=role, home=home)
        return cls(proj, proj.choose_epic(epic), clock=clock, author=author)

    # ------------------------------------------------------------------ session

    @property
    def session(self) -> Session:
        """The session as last read or written; a fresh (unsaved) one before the first change."""
        if self.store.session is None:
            self._fresh = getattr(self, "_fresh", None) or actions.new_session(self.role, self.epic.folder, self.clock())
            return self._fresh
        return self.store.session

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def snapshot(self) -> Session:
        """A copy of the session to read from another thread while changes go on.

        Cheap even for thousands of entries: entries unchanged since the last snapshot are
        shared with it (they are never mutated), so only what changed is copied.
        """
        shared = self.store.snapshot() if self.store.session is not None else None
        return shared if shared is not None else self.session.model_copy(deep=True)

    def view(self) -> PlannerView:
        """A read-only view over a copy of the session as it is now, to read from a worker thread."""
        from planner_tui.core.view import PlannerView  # the workbench's, never a command's
        return PlannerView(self, self.snapshot())

    def _mutate(self, fn: Callable[[Session], T]) -> T:
        problem = not_utf8(self.epic.folder)  # refused in words, before the store meets it
        if problem is not None:
            raise SessionError(problem)
        return self.store.mutate(fn, create=lambda: actions.new_session(self.role, self.epic.folder, self.clock()))

    def refresh(self) -> bool:
        """Pick up changes another writer (an agent on the command line) saved; True if any."""
        return self.store.refresh()

    def orphans(self) -> list[tuple[Path, Session]]:
        """Sessions a killed save left in temp files, newer than ours, to offer for recovery.

        Unreadable leftovers are moved aside as `<session>.corrupt-<ts>`; nothing is deleted.
        Recover one with `self.store.adopt(session)`. Empty for a read-only session.
        """
        return [] if self.read_only else self.store.orphans.triage(self.store.session)

    def add(self, topic: str | int, kind: str, text: str, *, cite: Citation | None = None, section: str | None = None, author: str | None = None) -> Entry:
        """Add an entry to a topic's thread; saved before this returns."""
        who = author or self.author
        if cite is not None:  # checked inside the project, with the file's hash as of now
            from planner_tui.core.epic import citations
            cite = citations.stamp(self.project.root, cite, self.project.tasks)
        name = self.author_name if who == "agent" else None
        return self._mutate(
            lambda s: actions.add_entry(s, self.role, topic, kind, text, now=self.clock(), author=who, author_name=name, cite=cite, section=section)
        )

    def answer(self, question_id: str, text: str, *, author: str | None = None) -> Entry:
        who = author or self.author
        name = self.author_name if who == "agent" else None
        return self._mutate(lambda s: actions.answer(s, question_id, text, now=self.clock(), author=who, author_name=name))

    def drop(self, question_id: str, reason: str) -> None:
        self._mutate(lambda s: actions.drop(s, question_id, reason, now=self.clock()))

    def flag(self, entry_id: str) -> None:
        self._mutate(lambda s: actions.flag(s, entry_id, now=self.clock()))

    def confirm(self, topic: str | int, *, reason: str | None = None) -> None:
        """Confirm a topic; one with no entries needs a one-line reason (kept as its note)."""
        self._mutate(lambda s: actions.confirm(s, self.role, topic, now=self.clock(), reason=reason, author=self.author))

    def unconfirm(self, topic: str | int) -> None:
        self._mutate(lambda s: actions.unconfirm(s, self.role, topic, now=self.clock()))

    def edit(self, entry_id: str, text: str) -> None:
        """Replace an entry's text; its citation's hash is recorded again (the source was re-read)."""
        from planner_tui.core.epic import citations

        def change(s: Session) -> None:
            entry = actions.edit(s, entry_id, text, now=self.clock())
            citations.restamp(entry, self.project.root, self.project.tasks)
            if self.author != "person":
                approval.withdraw(entry)  # the person kept other words

        self._mutate(change)

    def reconfirm(self, entry_id: str) -> Entry:
        """Keep an entry as it is: re-record its citation's hash and settle its differences with earlier plans."""
        from planner_tui.core.epic import citations
        from planner_tui.core.plan import earlier_plans
        found = self.contradictions(include_settled=True)

        def change(s: Session) -> Entry:
            entry = actions._entry(s, entry_id)[1]  # noqa: SLF001 - the session module's own lookup
            citations.restamp(entry, self.project.root, self.project.tasks)
            earlier_plans.settle(entry, found)
            if self.author == "person":
                approval.approve(entry, self.clock())
            return entry

        return self._mutate(change)

    def answer_batch(self, topic: str | int, text: str, *, author: str | None = None) -> list[Entry]:
        """Answer a topic's open questions by their `#N` (`#2 answer` lines), all or nothing."""
        from planner_tui.core.discussion import batch
        pairs = batch.parse_batch_answers(text)
        who = author or self.author
        return self._mutate(lambda s: batch.answer_batch(s, self.role, topic, pairs, now=self.clock(), author=who))

    def stale(self) -> list[citations.Stale]:
        """Entries whose cited file changed (or vanished) since they were cited."""
        from planner_tui.core.epic import citations
        return citations.stale_entries(self.session, self.project.root, self.project.tasks)

    def contradictions(self, *, include_settled: bool = False) -> list[earlier_plans.Contradiction]:
        """Entries naming a table, column, queue or env var an earlier role plan defines differently."""
        from planner_tui.core.plan import earlier_plans
        defs = earlier_plans.load_definitions(self.project.root, self.epic, self.role.key)
        return earlier_plans.find_contradictions(self.role, self.session, defs, include_settled=include_settled)

    def move(self, entry_id: str, section: str | None) -> Entry:
        """Put an entry under another section of the plan (None: back to its topic's section)."""
        return self._mutate(lambda s: actions.move(s, self.role, entry_id, section))

    def remove(self, entry_id: str) -> None:
        self._mutate(lambda s: actions.remove(s, entry_id))

    def set_cursor(self, topic_id: str, entry_id: str | None = None) -> None:
        """Remember where the person is, so reopening resumes there."""
        if self.read_only or self.store.session is None:
            return
        self._mutate(lambda s: actions.set_cursor(s, topic_id, entry_id))

    # ------------------------------------------------------------------ plan

    @property
    def plan_path(self) -> str:
        """Project-relative path of the role's plan, e.g. `.task-master/epics/…/roles/03-backend.md`."""
        return output_path(self.role, self.epic.path)

    def render(self, *, placed: Placed | None = None) -> str:
        """The plan as markdown, rendered from the session (the same bytes for the same session)."""
        # A revised plan keeps the committed bytes of every section it did not change.
        rendered = render_plan(self.role, self.session, self.epic.title, overrides=project_templates(self.project.root), placed=placed)
        return revise.apply_baseline(rendered, self.session)

    def committed_plan(self) -> str | None:
        """The plan as committed at HEAD, if any."""
        if not self.project.is_git:
            return None
        from planner_tui.core.git.repo import committed_text
        return committed_text(self.project.root, self.plan_path)

    def pending_commit(self) -> bool:
        """True when the plan on disk is ours (last written, or what the session renders) but not committed.

        That is what a crash between writing the plan and committing it leaves; `commit()` then
        creates exactly one commit.
        """
        existing = self._existing_plan()
        if existing is None or not self.project.is_git:
            return False
        if _digest(existing) != getattr(self.session, "plan_written", None) and existing != self.render():
            return False
        from planner_tui.core.git.repo import path_status
        return path_status(self.project.root, self.plan_path) in ("untracked", "new", "modified")

    def _existing_plan(self) -> str | None:
        path = self.project.root / self.plan_path
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def overwrite_blocker(self, plan_text: str) -> Blocker | None:
        """A blocker when the commit would replace a plan somebody else wrote or committed."""
        committed = self.committed_plan()
        existing = self._existing_plan()
        ours = getattr(self.session, "plan_written", None)
        imported = revise.imported_digest(self.session)
        for label, text in (("committed", committed), ("existing", existing)):
            if text is None or text == plan_text:
                continue
            if imported is not None and _digest(text) in (imported, ours):
                continue  # the plan this session imported (or its own revision of it): the import was the approval
            if label == "existing" and ours is not None and _digest(text) == ours and committed is None:
                continue  # the file is the one we wrote ourselves after a refused commit
            return Blocker(
                kind="overwrite",
                message=f"The {label} plan at {self.plan_path} would be overwritten; approve it explicitly (commit --yes, or the approval box in the commit dialog).",
            )
        return None

    def blockers(self, *, approve_overwrite: bool = False, plan_text: str | None = None, placed: Placed | None = None) -> list[Blocker]:
        """Everything that stops the commit, in the order a person should deal with it."""
        return self.checks(approve_overwrite=approve_overwrite, plan_text=plan_text, placed=placed).blockers

    def checks(self, *, approve_overwrite: bool = False, plan_text: str | None = None, placed: Placed | None = None) -> Checks:
        """`blockers`, with the stale entries and the differences from earlier plans they name."""
        from planner_tui.core.epic import citations
        from planner_tui.core.plan import dependencies, earlier_plans, readiness
        root = self.project.root
        with memo.across_calls(root):  # each text's checks, kept across calls
            text = self.render(placed=placed) if plan_text is None else plan_text
            packages = dependencies.listed_packages(root, self.epic.path)
            found = readiness.blockers(self.role, self.session, text, self.project.rules, packages=packages, placed=placed)
            stale = citations.stale_entries(self.session, root, self.project.tasks)
            found += citations.stale_blockers(self.role, stale)
            defs = earlier_plans.load_definitions(root, self.epic, self.role.key)
            differ = earlier_plans.find_contradictions(self.role, self.session, defs)
            found += earlier_plans.contradiction_blockers(differ)
        if self.require_approval:
            found += approval.approval_blockers(self.role, self.session)
        try:  # a plan path that leaves the epic's folder blocks like anything else, with its reason
            plan_target(self.project.root, self.plan_path, self.epic.path)
        except PlanError as exc:
            found.append(Blocker(kind="path", message=str(exc)))
        if not approve_overwrite:
            over = self.overwrite_blocker(text)
            if over is not None:
                found.append(over)
        return readiness.Checks(found, stale, differ)

    def commit(self, *, yes: bool = False, no_verify: bool = False, allow_detached: bool = False, allow_ignored: bool = False) -> CommitOutcome:
        """Write the plan and commit that one path; raises NotReady or GitRefusal with the reason."""
        text = self.render()
        found = self.blockers(approve_overwrite=yes, plan_text=text)
        if found:
            raise NotReady(found)
        rel = self.plan_path
        # Every component is checked before anything is made: no link followed, nothing outside.
        target, folders = plan_target(self.project.root, rel, self.epic.path)
        try:
            make_folders(folders, rel)
            atomic_write_text(target, text)
        except OSError as exc:
            raise PlanError(f"Cannot write {rel}: {exc.strerror or exc}.") from exc
        if not self.read_only:
            digest = _digest(text)
            self._mutate(lambda s: setattr(s, "plan_written", digest))
        reply = reply_line(self.role, rel)
        if not self.project.is_git:
            raise GitRefusal(f"Plan written to {rel}. Not committed: {self.project.root} is not inside a git repository.")
        message = commit_message(self.role, self.epic.title, self.epic.path)
        from planner_tui.core.git import commits
        result = commits.commit_path(
            self.project.root, rel, message, no_verify=no_verify, allow_detached=allow_detached, allow_ignored=allow_ignored
        )
        said = result.message
        if result.created and result.workdir is not None:
            said += f" in {result.workdir}"  # names the repository (a submodule, a parent repo)
        return CommitOutcome(reply, rel, result.sha, result.created, True, list(result.notes), said)

    def commit_message(self) -> str:
        return commit_message(self.role, self.epic.title, self.epic.path)

    def reply(self) -> str:
        return reply_line(self.role, self.plan_path)

    # ------------------------------------------------------------------ reports

    def status(self) -> dict[str, Any]:
        """The session's state as plain data (what `status --json` prints; see `core.report`)."""
        from planner_tui.core.report import status

        return status(self)
