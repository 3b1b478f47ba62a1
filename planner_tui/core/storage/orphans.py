"""Temp files a killed save left next to the session file: list, validate, offer or quarantine them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from planner_tui.core.errors import SessionCorrupt, SessionError, SessionLocked, SessionReadOnly
from planner_tui.core.storage.migrate import Decoded, TooNew, Undecodable
from planner_tui.core.models import Session
from planner_tui.core.storage.files import move_to, temp_files
from planner_tui.core.storage.lock import LockFile

__all__ = ["OrphanFiles"]


class OrphanFiles:
    """The orphaned temp files of one session file (vim's swap-file promise: nothing is silently deleted)."""

    def __init__(
        self, path: Path, *, clock: Callable[[], datetime], decode: Callable[[bytes], Decoded], lock: Callable[[], LockFile]
    ) -> None:
        self.path = path
        """The session file whose temp files these are."""
        self.clock = clock
        self._decode = decode
        self._lock = lock

    def list(self) -> list[Path]:
        """Temp files left by a writer that was killed mid-save, newest first (never deleted here).

        Listed under the session lock, which every writer holds while its temp file exists: the
        kernel lock, not the pid in a temp file's name, tells a dead writer's file from a live
        one's (a pid from a container or from before a reboot means nothing here). While another
        writer holds the lock, nothing is listed: its temp file may be the one being written.
        """
        try:
            with self._lock():
                return temp_files(self.path)
        except SessionLocked:
            return []
        except SessionError:  # the lock cannot even be created (a read-only folder): nobody writes there
            return temp_files(self.path)

    def recover(self, path: Path) -> Session:
        """Validate a leftover temp file and return its session; nothing is written or deleted.

        Pass the result to the store's `adopt()` to make it the session.
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

    def quarantine(self, path: Path) -> Path:
        """Move a leftover temp file aside as `<session name>.corrupt-<ts>` (never over a file); returns where."""
        path = Path(path)
        dest = path.with_name(f"{self.path.name}.corrupt-{self.clock():%Y%m%dT%H%M%SZ}")
        try:
            return move_to(path, dest)
        except OSError as exc:
            raise SessionError(f"Cannot move {path.name} aside: {exc.strerror or exc}.") from exc

    def triage(self, current: Session | None) -> list[tuple[Path, Session]]:
        """Check every orphan: quarantine the unreadable ones, return the valid newer ones to offer.

        "Newer" means a higher revision than `current`, the session as last read (any valid one
        when there is none). Valid older ones and newer-schema ones stay where they are; the result is
        newest first. Nothing is deleted or adopted here: pass a session to the store's `adopt()` for that.
        """
        newest = current.revision if current is not None else -1
        offers: list[tuple[Path, Session]] = []
        for path in self.list():
            try:
                session = self.recover(path)
            except SessionCorrupt:
                try:
                    self.quarantine(path)
                except SessionError:
                    pass  # cannot move it (read-only folder): it stays listed, still untouched
                continue
            except SessionError:
                continue
            if session.revision > newest:
                offers.append((path, session))
        return offers
