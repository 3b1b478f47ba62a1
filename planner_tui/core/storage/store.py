"""The session file: crash-safe, locked, merge-on-write storage of one role's discussion of one epic."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, TypeVar

from planner_tui.core.errors import SessionCorrupt, SessionError, SessionReadOnly
from planner_tui.core.storage import primed
from planner_tui.core.storage.lock import LockFile
from planner_tui.core.storage.migrate import SCHEMA_VERSION, Decoded, TooNew, Undecodable, decode_session, encode_session
from planner_tui.core.models import Session, utcnow
from planner_tui.core.storage.orphans import OrphanFiles
from planner_tui.core.storage.encoding import SessionEncoder
from planner_tui.core.storage.files import STATE_DIR, atomic_write, backup_paths, make_state_dir, move_aside, rotate_backups, write_new

__all__ = ["SessionStore", "SCHEMA_VERSION", "STATE_DIR"]

T = TypeVar("T")

_Sig = tuple[int, int, int, int]


def _check_component(value: str, what: str) -> str:
    if not value or value in (".", "..") or any(c in value for c in "/\\\0"):
        raise SessionError(f"Cannot keep a session for {what} {value!r}: it must be a single folder or file name.")
    return value


def _sig(st: os.stat_result) -> _Sig:
    # The inode changes on every atomic replace, which covers filesystems with coarse mtimes.
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class SessionStore:
    """One session file, `<root>/.planner-tui/sessions/<epic_folder>/<role_key>.json`.

    `mutate()` is the only way to change it: under an exclusive lock it re-reads the file when
    another writer changed it, applies the change to the freshest session and replaces the
    file atomically, so concurrent writers never lose each other's entries. A corrupt file is
    moved aside (never overwritten), a file from a newer schema opens read-only, an older one
    is migrated after an exact copy is kept. Temp files a killed save left: `orphans`.
    """

    def __init__(
        self,
        root: Path,
        epic_folder: str,
        role_key: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        lock_timeout: float = 2.0,
        backup_interval: float = 30.0,
    ) -> None:
        self.root = Path(root)
        self.epic_folder = _check_component(epic_folder, "epic folder")
        self.role_key = _check_component(role_key, "role")
        self.path = self.root / STATE_DIR / "sessions" / epic_folder / f"{role_key}.json"
        """The session file."""
        self.clock = clock
        self.lock_timeout = lock_timeout
        self.backup_interval = backup_interval
        """Seconds between rotating backups; 0 makes one on every save."""
        self.session: Session | None = None
        """The session as last read or written (None before there is a file)."""
        self.read_only = False
        self.read_only_reason: str | None = None
        self.last_error: str | None = None
        """The last save or reload problem, for a persistent banner; None after a good save."""
        self._raw: bytes | None = None  # the file's bytes as last read or written
        self._sig: _Sig | None = None
        self._encoder = SessionEncoder()  # re-serialises only the entries a change touched
        self._snapshot: tuple[Session, int, Session] | None = None
        self._version = SCHEMA_VERSION  # schema version of `_raw`
        self._mutex = threading.RLock()  # one store used from a worker thread and the UI
        self.orphans = OrphanFiles(self.path, clock=clock, decode=self._decode, lock=self._lock)
        """Temp files a writer killed mid-save left beside the session file."""

    # ------------------------------------------------------------------ reading

    @property
    def raw(self) -> bytes | None:
        """The session file's bytes as last read or written (None before there is a file)."""
        return self._raw

    def _read(self) -> tuple[bytes | None, _Sig | None]:
        try:
            with open(self.path, "rb") as fh:
                # stat before reading: a change after this read then still looks like a change.
                sig = _sig(os.fstat(fh.fileno()))
                return primed.read("session", self.path, fh), sig
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise SessionError(f"Cannot read the session file {self.path}: {exc.strerror or exc}.") from exc

    def _decode(self, raw: bytes) -> Decoded:
        return decode_session(raw, epic=self.epic_folder, role=self.role_key, path=str(self.path))

    def _remember(self, decoded: Decoded, raw: bytes, sig: _Sig | None) -> None:
        self.session = decoded.session
        self._raw, self._sig = raw, sig
        self._version = decoded.version
        if decoded.newer:
            self._set_read_only(decoded.version)
        else:
            self.read_only, self.read_only_reason = False, None

    def _set_read_only(self, version: int) -> None:
        self.read_only, self.read_only_reason = True, (
            f"{self.path.name} was created by a newer planner-tui (session schema {version}; this one "
            f"reads up to {SCHEMA_VERSION}), so it is open read-only: upgrade planner-tui to edit it."
        )

    def load(self) -> Session | None:
        """Read the file (None if there is none yet); raises SessionCorrupt after moving a bad file aside."""
        with self._mutex:
            raw, sig = self._read()
            if raw is None:
                self.session, self._raw, self._sig = None, None, None
                return None
            try:
                decoded = self._decode(raw)
            except Undecodable as exc:
                raise self._quarantine(raw, exc.detail, locked=False) from None
            except TooNew as exc:
                self._set_read_only(exc.version)
                raise SessionReadOnly(
                    f"{self.path.name} was created by a newer planner-tui (session schema {exc.version}) and this one "
                    f"cannot read it ({exc.detail}): upgrade planner-tui to open it."
                ) from None
            self._remember(decoded, raw, sig)
            return self.session

    def refresh(self) -> bool:
        """Re-read the file if another writer changed it; True when the session changed.

        A cheap stat comes first. Unreadable content is not moved aside here (an editor may be
        half-way through a save): the last good session is kept and `last_error` says why.
        """
        with self._mutex:
            try:
                sig = _sig(os.stat(self.path))
            except OSError:
                return False
            if sig == self._sig:
                return False
            raw, sig = self._read()
            if raw is None:
                return False
            if raw == self._raw:  # comparing bytes is cheaper than hashing them
                self._sig = sig
                return False
            try:
                decoded = self._decode(raw)
            except TooNew as exc:
                self._set_read_only(exc.version)
                return False
            except Undecodable as exc:
                self.last_error = f"The session file changed on disk but cannot be read ({exc.detail}); the last good copy is kept."
                return False
            before = self.session
            self._remember(decoded, raw, sig)
            self.last_error = None
            return before is None or before != self.session

    # ------------------------------------------------------------------ corrupt files and backups

    def newest_backup(self) -> tuple[Path, Session] | None:
        """The newest rotating backup that still reads as a valid session, with its session."""
        for path in backup_paths(self.path):
            try:
                decoded = self._decode(path.read_bytes())
            except (OSError, Undecodable, TooNew):
                continue
            if not decoded.newer:  # restoring a newer schema's backup would lock us out
                return path, decoded.session
        return None

    def _backup_phrase(self) -> str:
        found = self.newest_backup()
        if found is None:
            return "no valid backup is available"
        path, session = found
        return f"the newest valid backup is {path.name} (revision {session.revision}, saved {session.updated:%Y-%m-%d %H:%M} UTC)"

    def _quarantine(self, raw: bytes, detail: str, *, locked: bool) -> SessionCorrupt:
        """Move the corrupt file aside (under the lock, if it is still the same bytes)."""
        where = f"The session file {self.path} cannot be read ({detail})"
        try:
            lock = None if locked else self._lock()
            if lock is not None:
                lock.acquire()
            try:
                now, _ = self._read()
                if now != raw:
                    return SessionCorrupt(f"{where}; it changed while being checked, so try again.")
                moved = move_aside(self.path, f".corrupt-{self.clock():%Y%m%dT%H%M%SZ}")
            finally:
                if lock is not None:
                    lock.release()
        except SessionError as exc:  # locked by someone else, or the lock cannot be created
            return SessionCorrupt(f"{where}; it was left in place because: {exc}")
        except OSError as exc:
            return SessionCorrupt(f"{where}; it could not be moved aside ({exc.strerror or exc}) and was left untouched.")
        return SessionCorrupt(f"{where}; it was moved to {moved.name} and left untouched, and {self._backup_phrase()}.", moved_to=moved)

    def restore_backup(self) -> Session | None:
        """Make the newest valid backup the session again (None if there is none)."""
        self._check_writable()
        found = self.newest_backup()
        return None if found is None else self.adopt(found[1])

    # ------------------------------------------------------------------ writing

    def _lock(self) -> LockFile:
        return LockFile(self.path.with_name(self.path.name + ".lock"), timeout=self.lock_timeout)

    def _check_writable(self) -> None:
        if self.read_only:
            raise SessionReadOnly(self.read_only_reason or f"{self.path} is open read-only.")

    def _prepare_dirs(self) -> None:
        try:
            make_state_dir(self.root, self.path.parent.relative_to(self.root / STATE_DIR).as_posix())
        except OSError as exc:
            self.last_error = f"Session NOT saved: {exc.strerror or exc}."
            raise SessionError(f"{self.last_error[:-1]} ({exc.filename or self.path.parent}).") from exc

    def _base(self, raw: bytes | None, create: Callable[[], Session] | None) -> tuple[Session, int]:
        """The session a change applies to: ours if the file is as we left it, else the file's."""
        if raw is None:
            if self.session is not None:
                return self.session, SCHEMA_VERSION  # the file vanished: write back what we hold
            if create is None:
                raise SessionError(f"There is no session at {self.path} yet.")
            return create(), SCHEMA_VERSION
        if self.session is not None and raw == self._raw:
            return self.session, self._version
        try:
            decoded = self._decode(raw)
        except Undecodable as exc:
            raise self._quarantine(raw, exc.detail, locked=True) from None
        except TooNew as exc:
            self._set_read_only(exc.version)
            raise SessionReadOnly(self.read_only_reason) from None
        if decoded.newer:
            self._remember(decoded, raw, None)
            raise SessionReadOnly(self.read_only_reason)
        return decoded.session, decoded.version

    def _rollback(self) -> None:
        # The change was applied in place to `self.session`; rebuild it from the bytes on disk.
        if self._raw is not None:
            self.session = self._decode(self._raw).session

    def _backup_due(self) -> bool:
        try:
            age = time.time() - backup_paths(self.path)[0].stat().st_mtime
        except OSError:
            return True
        return age >= self.backup_interval

    def _keep_original(self, raw: bytes, version: int) -> None:
        """Before the first save over an older schema, keep its exact bytes as `<name>.v<old>.bak`."""
        keep = self.path.with_name(f"{self.path.name}.v{version}.bak")
        try:
            if keep.read_bytes() == raw:
                return
        except FileNotFoundError:
            pass
        write_new(keep, raw)

    def _write(self, data: bytes, old: bytes | None, old_version: int) -> None:
        if old is not None:
            if old_version < SCHEMA_VERSION:
                self._keep_original(old, old_version)
            elif self._backup_due():
                rotate_backups(self.path, old, link=True)
        atomic_write(self.path, data)

    def _saved(self, session: Session, data: bytes) -> None:
        self.session = session
        self._raw, self._version = data, SCHEMA_VERSION
        try:
            self._sig = _sig(os.stat(self.path))  # still under the lock: nobody else wrote since
        except OSError:
            self._sig = None
        self.last_error = None

    def snapshot(self) -> Session | None:
        """A copy of the session that later changes never touch (to render it in another thread).

        Unchanged entries are shared with the previous snapshot, so this is cheap even for a
        session of thousands of entries; None when there is no session yet.
        """
        with self._mutex:
            if self.session is None:
                return None
            # Every change goes through mutate() (a new revision) or a reload (a new object): the
            # same object at the same revision is the same session, so the copy can be shared.
            cached = self._snapshot
            if cached is None or cached[0] is not self.session or cached[1] != self.session.revision:
                cached = self._snapshot = (self.session, self.session.revision, self._encoder.snapshot(self.session))
            return cached[2]

    def _failed(self, exc: OSError) -> SessionError:
        self.last_error = f"Session NOT saved: {exc.strerror or exc}."
        return SessionError(self.last_error)

    def warm(self) -> None:
        """Do ahead what the first save would do cold: each entry's JSON made once (a whole
        serialisation of the session). Meant for a thread, after a start, so that the first entry
        a person adds saves like every later one. (filelock is left to the first write: its
        import takes about 18 ms of that thread and 1 MB that a session only read never needs.)"""
        with self._mutex:
            if self.session is not None and not self.read_only:
                self._encoder.encode(self.session)

    def mutate(self, fn: Callable[[Session], T], *, create: Callable[[], Session] | None = None) -> T:
        """Apply `fn` to the freshest session and save it before returning fn's result.

        `create` builds the session when there is no file yet. If `fn` raises, nothing is
        written and `self.session` is as before. If the write fails, the file is untouched,
        `self.session` is as before, and SessionError("Session NOT saved: …") is raised.
        """
        with self._mutex:
            try:
                return self._mutate(fn, create)
            except SessionError as exc:
                self.last_error = str(exc)
                raise

    def _mutate(self, fn: Callable[[Session], T], create: Callable[[], Session] | None) -> T:
        self._check_writable()
        self._prepare_dirs()
        with self._lock():
            raw, _ = self._read()
            base, version = self._base(raw, create)
            try:
                result = fn(base)
                base.revision += 1
                base.updated = self.clock()
                data = self._encoder.encode(base)
            except BaseException:
                if base is self.session:
                    self._rollback()
                raise
            try:
                self._write(data, raw, version)
            except OSError as exc:
                if base is self.session:
                    self._rollback()
                raise self._failed(exc) from exc
            self._saved(base, data)
            return result

    def adopt(self, session: Session) -> Session:
        """Make `session` (a backup or a recovered orphan) the saved session, with a new revision.

        The file it replaces is kept: a valid one as `<name>.replaced-<ts>`, a corrupt one as
        `<name>.corrupt-<ts>`.
        """
        with self._mutex:
            self._check_writable()
            self._prepare_dirs()
            with self._lock():
                raw, _ = self._read()
                revisions = [session.revision, self.session.revision if self.session else 0]
                stamp = f"{self.clock():%Y%m%dT%H%M%SZ}"
                try:
                    if raw is not None:
                        try:
                            current = self._decode(raw)
                        except Undecodable:
                            move_aside(self.path, f".corrupt-{stamp}")
                        else:
                            if current.newer:
                                self._remember(current, raw, None)
                                raise SessionReadOnly(self.read_only_reason)
                            revisions.append(current.session.revision)
                            write_new(self.path.with_name(f"{self.path.name}.replaced-{stamp}"), raw)
                    fresh = session.model_copy(deep=True)
                    fresh.schema_version = SCHEMA_VERSION
                    fresh.revision = max(revisions) + 1
                    fresh.updated = self.clock()
                    data = encode_session(fresh)
                    atomic_write(self.path, data)
                except TooNew as exc:
                    self._set_read_only(exc.version)
                    raise SessionReadOnly(self.read_only_reason) from None
                except OSError as exc:
                    raise self._failed(exc) from exc
                self._saved(fresh, data)
                return fresh
