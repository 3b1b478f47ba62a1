"""The author and committer identity git itself would use (config plus GIT_AUTHOR_*/GIT_COMMITTER_*)."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from calendar import timegm
from datetime import datetime
from email.utils import parsedate_tz

import pygit2

from planner_tui.core.errors import GitRefusal

__all__ = ["IDENTITY_HINT", "config_str", "config_bool", "resolve_identity", "parse_git_date"]

IDENTITY_HINT = (
    "Set your git identity: git config --global user.name 'Your Name' and "
    "git config --global user.email you@example.com"
)

_RAW_DATE = re.compile(r"^@?(\d+)(?:\s+([+-])(\d{2}):?(\d{2}))?$")


def config_str(config: pygit2.Config, key: str) -> str | None:
    """The value of `key` in the layered config, or None when unset or unreadable."""
    try:
        value = config[key]
    except (KeyError, pygit2.GitError, ValueError):
        return None
    return value if value is not None else ""


def config_bool(config: pygit2.Config, key: str, default: bool = False) -> bool:
    """`key` parsed with git's boolean rules; `default` when unset or not a boolean."""
    try:
        return bool(config.get_bool(key))
    except (KeyError, pygit2.GitError, ValueError):
        return default


def _local_offset(when: float) -> int:
    """Minutes east of UTC of the local time zone at `when` (what git writes for "now")."""
    off = time.localtime(when).tm_gmtoff
    return int(off // 60) if off is not None else 0


def parse_git_date(text: str) -> tuple[int, int]:
    """Parse a GIT_*_DATE value (raw `@secs +hhmm`, RFC 2822 or ISO 8601) into (seconds, offset minutes)."""
    value = text.strip()
    raw = _RAW_DATE.match(value)
    if raw:
        secs = int(raw.group(1))
        if raw.group(2) is None:
            return secs, 0
        minutes = int(raw.group(3)) * 60 + int(raw.group(4))
        return secs, -minutes if raw.group(2) == "-" else minutes
    rfc = parsedate_tz(value)
    if rfc is not None and rfc[9] is not None:
        # parsedate_tz gives wall-clock fields plus their offset in seconds.
        return timegm(rfc[:6]) - rfc[9], rfc[9] // 60
    iso = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(text) from None
    if parsed.tzinfo is None:
        # git reads a date without a zone as local time.
        secs = int(parsed.timestamp())
        return secs, _local_offset(secs)
    delta = parsed.utcoffset()
    return int(parsed.timestamp()), int(delta.total_seconds() // 60) if delta else 0


def _pick(env: Mapping[str, str], config: pygit2.Config, env_key: str, keys: tuple[str, ...]) -> tuple[str | None, str]:
    """The first of the env variable and config keys that is set, with where it came from."""
    if env_key in env:
        return env[env_key], env_key
    for key in keys:
        value = config_str(config, key)
        if value is not None:
            return value, key
    return None, keys[-1]


def _signature(
    role: str, env: Mapping[str, str], config: pygit2.Config, now: float
) -> tuple[pygit2.Signature | None, str | None]:
    """Build the signature for `role` ("AUTHOR"/"COMMITTER"), or (None, reason) when it is not configured."""
    low = role.lower()
    name, name_src = _pick(env, config, f"GIT_{role}_NAME", (f"{low}.name", "user.name"))
    email, email_src = _pick(env, config, f"GIT_{role}_EMAIL", (f"{low}.email", "user.email"))
    if email is None and "EMAIL" in env:
        email, email_src = env["EMAIL"], "EMAIL"
    if name is None or not name.strip():
        return None, f"{name_src} is not set" if name is None else f"{name_src} is empty"
    if email is None or not email.strip():
        return None, f"{email_src} is not set" if email is None else f"{email_src} is empty"
    name, email = name.strip(), email.strip()
    for label, value in ((name_src, name), (email_src, email)):
        if any(c in value for c in "<>\n\r\0"):
            raise GitRefusal(f"The git identity {label} contains '<', '>' or a line break; fix it and retry.")
    date_key = f"GIT_{role}_DATE"
    if env.get(date_key):
        try:
            when, offset = parse_git_date(env[date_key])
        except (ValueError, OverflowError):
            raise GitRefusal(f"{date_key} is not a date git understands: {env[date_key]!r}.") from None
    else:
        when, offset = int(now), _local_offset(now)
    try:
        return pygit2.Signature(name, email, when, offset), None
    except (pygit2.GitError, ValueError) as exc:
        raise GitRefusal(f"The git identity is invalid ({exc}). {IDENTITY_HINT}") from None


def resolve_identity(
    config: pygit2.Config, env: Mapping[str, str], now: float | None = None
) -> tuple[pygit2.Signature, pygit2.Signature, list[str]]:
    """Return (author, committer, notes) the way `git commit` picks them; GitRefusal when unknown.

    Order, per role: GIT_<ROLE>_NAME/EMAIL, `<role>.name/email`, `user.name/email`, then EMAIL.
    git would guess from the host name as a last resort; guessed identities end up as
    `root@localhost` in history, so we refuse instead. Policy for a committer that is not
    configured while GIT_AUTHOR_* is: the committer is the author (noted).
    """
    stamp = time.time() if now is None else now
    author, why_author = _signature("AUTHOR", env, config, stamp)
    committer, why_committer = _signature("COMMITTER", env, config, stamp)
    notes: list[str] = []
    if author is None:
        raise GitRefusal(f"{IDENTITY_HINT} ({why_author}).")
    if committer is None:
        if "GIT_AUTHOR_NAME" not in env and "GIT_AUTHOR_EMAIL" not in env:
            raise GitRefusal(f"{IDENTITY_HINT} ({why_committer}).")
        when, offset = (author.time, author.offset)
        if not env.get("GIT_COMMITTER_DATE"):
            when, offset = int(stamp), _local_offset(stamp)
        else:
            try:
                when, offset = parse_git_date(env["GIT_COMMITTER_DATE"])
            except (ValueError, OverflowError):
                raise GitRefusal(
                    f"GIT_COMMITTER_DATE is not a date git understands: {env['GIT_COMMITTER_DATE']!r}."
                ) from None
        committer = pygit2.Signature(author.name, author.email, when, offset)
        notes.append("committer identity taken from GIT_AUTHOR_* (no committer configured)")
    return author, committer, notes
