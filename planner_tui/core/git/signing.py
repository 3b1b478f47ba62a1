"""Sign commit content the way git does when `commit.gpgsign` is set (openpgp, x509 or ssh)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pygit2
from typing import NamedTuple

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.hooks import printable
from planner_tui.core.git.identity import config_bool, config_str

__all__ = ["SIGN_TIMEOUT", "SigningPlan", "signing_plan", "sign_commit", "signing_refusal"]

SIGN_TIMEOUT = 120.0
"""Seconds to wait for gpg / ssh-keygen (a passphrase prompt that never gets an answer)."""


class SigningPlan(NamedTuple):
    """How this repository wants commits signed."""

    format: str
    """`openpgp`, `x509` or `ssh` (git's `gpg.format`)."""
    program: str
    key: str | None
    """`user.signingkey`, or for openpgp/x509 the committer's `Name <email>` when unset."""


def signing_refusal(reason: str) -> GitRefusal:
    """The one refusal used for every signing failure, so no unsigned commit ever slips through."""
    reason = reason.strip().rstrip(".") or "unknown error"
    return GitRefusal(
        "This repository requires signed commits (commit.gpgsign) and signing failed: "
        f"{reason}; nothing was committed."
    )


def signing_plan(config: pygit2.Config, committer: pygit2.Signature) -> SigningPlan | None:
    """The signing plan when `commit.gpgsign` is true, else None."""
    if not config_bool(config, "commit.gpgsign"):
        return None
    fmt = (config_str(config, "gpg.format") or "openpgp").strip().lower()
    key = config_str(config, "user.signingkey") or None
    if fmt == "ssh":
        program = config_str(config, "gpg.ssh.program") or "ssh-keygen"
        return SigningPlan("ssh", program, key)
    if fmt == "x509":
        program = config_str(config, "gpg.x509.program") or "gpgsm"
    elif fmt == "openpgp":
        program = config_str(config, "gpg.openpgp.program") or config_str(config, "gpg.program") or "gpg"
    else:
        raise signing_refusal(f"gpg.format {fmt!r} is not one git knows")
    return SigningPlan(fmt, program, key or f"{committer.name} <{committer.email}>")


def _run(argv: list[str], data: bytes | None, env: Mapping[str, str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(env), timeout=SIGN_TIMEOUT, check=False,
            stdin=None if data is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise signing_refusal(f"the signing program {argv[0]!r} was not found") from None
    except PermissionError:
        raise signing_refusal(f"the signing program {argv[0]!r} cannot be run") from None
    except subprocess.TimeoutExpired:
        raise signing_refusal(f"{argv[0]} did not finish within {int(SIGN_TIMEOUT)} seconds") from None


def _last_lines(raw: bytes, n: int = 5) -> str:
    lines = [ln for ln in printable(raw.decode("utf-8", errors="replace")).splitlines() if ln.strip()]
    return " / ".join(lines[-n:])


def _sign_gpg(plan: SigningPlan, payload: bytes, env: Mapping[str, str]) -> str:
    proc = _run([plan.program, "--status-fd=2", "-bsau", plan.key or ""], payload, env)
    # git trusts only the SIG_CREATED status line, not the exit code alone.
    if proc.returncode != 0 or b"[GNUPG:] SIG_CREATED " not in proc.stderr or not proc.stdout:
        detail = _last_lines(b"\n".join(ln for ln in proc.stderr.splitlines() if not ln.startswith(b"[GNUPG:]")))
        raise signing_refusal(f"{plan.program} exited with status {proc.returncode}" + (f" ({detail})" if detail else ""))
    return proc.stdout.decode("ascii", errors="replace")


def _sign_ssh(plan: SigningPlan, payload: bytes, env: Mapping[str, str]) -> str:
    if not plan.key:
        raise signing_refusal("gpg.format is ssh but user.signingkey is not set")
    with tempfile.TemporaryDirectory(prefix="planner-sign-") as tmp:
        data = Path(tmp) / "commit"
        data.write_bytes(payload)
        key = plan.key.strip()
        literal = key.startswith("key::") or key.startswith("ssh-")
        if literal:
            # A literal public key means "the agent holds the private half", as in git.
            key_file = Path(tmp) / "key.pub"
            key_file.write_text(key.removeprefix("key::") + "\n", encoding="utf-8")
        else:
            key_file = Path(os.path.expanduser(key))
            if not key_file.exists():
                raise signing_refusal(f"the ssh signing key {key_file} does not exist")
        argv = [plan.program, "-Y", "sign", "-n", "git", "-f", str(key_file)]
        if literal:
            argv.append("-U")
        proc = _run([*argv, str(data)], None, env)
        sig = Path(str(data) + ".sig")
        if proc.returncode != 0 or not sig.is_file():
            detail = _last_lines(proc.stderr)
            raise signing_refusal(f"{plan.program} exited with status {proc.returncode}" + (f" ({detail})" if detail else ""))
        return sig.read_text(encoding="ascii", errors="replace")


def sign_commit(plan: SigningPlan, content: str, env: Mapping[str, str]) -> str:
    """Return the detached signature of the commit `content`; GitRefusal when signing fails."""
    payload = content.encode("utf-8")
    signature = _sign_ssh(plan, payload, env) if plan.format == "ssh" else _sign_gpg(plan, payload, env)
    if not signature.strip():
        raise signing_refusal(f"{plan.program} produced an empty signature")
    # libgit2 would turn a final newline into an extra blank " " header line; git writes none.
    return signature.rstrip("\n")
