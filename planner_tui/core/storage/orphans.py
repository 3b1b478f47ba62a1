"""Temp files a killed save left next to the session file: list, validate, offer or quarantine them."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Callable

from planner_tui.core.errors import SessionCorrupt, SessionError, SessionReadOnly
from planner_tui.core.storage.migrate import Decoded, TooNew, Undecodable
from planner_tui.core.models import Session
from planner_tui.core.storage.files import move_to, temp_files

__all__ = ["OrphanMixin"]


class OrphanMixin:
    """Orphan handling for SessionStore (vim's swap-file promise: nothing is silently deleted)."""

    path: Path
    session: Session | None
    clock: Callable[[], datetime]
    _decode: Callable[[bytes], Decoded]

    def orphans(self) -> list[Path]:
        """Temp files left by a writer that was killed mid-save, newest first (never deleted here)."""
        target = Path(os.path.realpath(self.path)) if self.path.is_symlink() else self.path
        return temp_files(target)

    def recover_orphan(self, path: Path) -> Session:
        """Validate a leftover temp file and return its session; nothing is written or deleted.

        Pass the result to `adopt()` to make it the session.
        """
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise SessionError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        try:
            decoded = self._decode(raw)
        except Undecodable as exc:
            raise SessionCorrupt(f"{Path(path).name} is not a usable session ({exc.detail}); it was left in place.") from None
        except TooNew as exc:
            decoded = None
            version = exc.version
        else:
            version = decoded.version
        if decoded is None or decoded.newer:
            raise SessionReadOnly(f"{Path(path).name} was written by a newer planner-tui (session schema {version}); it was left in place.")
        return decoded.session

    def quarantine_orphan(self, path: Path) -> Path:
        """Move a leftover temp file aside as `<session name>.corrupt-<ts>` (never over a file); returns where."""
        path = Path(path)
        dest = path.with_name(f"{self.path.name}.corrupt-{self.clock():%Y%m%dT%H%M%SZ}")
        try:
            return move_to(path, dest)
        except OSError as exc:
            raise SessionError(f"Cannot move {path.name} aside: {exc.strerror or exc}.") from exc

    def triage_orphans(self) -> list[tuple[Path, Session]]:
        """Check every orphan: quarantine the unreadable ones, return the valid newer ones to offer.

        "Newer" means a higher revision than the session as last read (any valid one when there
        is no session). Valid older ones and newer-schema ones stay where they are; the result is
        newest first. Nothing is deleted or adopted here: pass a session to `adopt()` for that.
        """
        current = self.session.revision if self.session is not None else -1
        offers: list[tuple[Path, Session]] = []
        for path in self.orphans():
            try:
                session = self.recover_orphan(path)
            except SessionCorrupt:
                try:
                    self.quarantine_orphan(path)
                except SessionError:
                    pass  # cannot move it (read-only folder): it stays listed, still untouched
                continue
            except SessionError:
                continue
            if session.revision > current:
                offers.append((path, session))
        return offers
