"""commit_path signs when `commit.gpgsign` asks for it, and never makes an unsigned commit silently (C11)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from git_support import (  # noqa: F401  (gitenv is a fixture)
    EMAIL,
    MESSAGE,
    NAME,
    PLAN,
    assert_fsck_clean,
    git,
    gitenv,
    head,
    index_bytes,
    make_repo,
    write_plan,
)

from planner_tui.core.errors import GitRefusal
from planner_tui.core.git.commits import commit_path

REFUSAL = "This repository requires signed commits (commit.gpgsign) and signing failed: "


def _assert_nothing_committed(repo: Path, before: tuple[str, bytes]) -> None:
    assert (head(repo), index_bytes(repo)) == before
    assert not (repo / ".git" / "index.lock").exists()


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_c11_ssh_signed_commit_verifies_with_git(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", EMAIL, "-f", str(key)], check=True)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"{EMAIL} {Path(str(key) + '.pub').read_text(encoding='utf-8')}", encoding="utf-8")
    for k, v in {"commit.gpgsign": "true", "gpg.format": "ssh", "user.signingkey": str(key),
                 "gpg.ssh.allowedSignersFile": str(allowed)}.items():
        git(repo, "config", k, v)
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE)
    assert result.created and result.signed
    verify = subprocess.run(["git", "verify-commit", "HEAD"], cwd=repo, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert f'Good "git" signature for {EMAIL}' in verify.stderr
    assert git(repo, "log", "-1", "--format=%B") == MESSAGE + "\n\n"
    assert_fsck_clean(repo)


def test_c11_missing_gpg_program_refuses_instead_of_committing_unsigned(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", str(tmp_path / "no-such-gpg"))
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE)
    assert str(err.value).startswith(REFUSAL) and str(err.value).endswith("; nothing was committed.")
    assert "no-such-gpg" in str(err.value)
    _assert_nothing_committed(repo, before)


def test_c11_ssh_format_without_a_signing_key_refuses(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.format", "ssh")
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match="user.signingkey is not set"):
        commit_path(repo, PLAN, MESSAGE)
    _assert_nothing_committed(repo, before)


def test_c11_signing_program_that_fails_refuses(gitenv, tmp_path):
    repo = make_repo(tmp_path / "app")
    fake = tmp_path / "fake-gpg"
    fake.write_text("#!/bin/sh\necho 'gpg: signing failed: No secret key' >&2\nexit 2\n", encoding="utf-8")
    fake.chmod(0o755)
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", str(fake))
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal, match="exited with status 2 \\(gpg: signing failed: No secret key\\)"):
        commit_path(repo, PLAN, MESSAGE)
    _assert_nothing_committed(repo, before)


@pytest.fixture
def gnupg_home():
    """A short GNUPGHOME (agent socket paths have a length limit); the agent is stopped afterwards."""
    home = tempfile.mkdtemp(prefix="gpg", dir="/tmp")
    os.chmod(home, 0o700)
    try:
        yield home
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={**os.environ, "GNUPGHOME": home},
                       capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
def test_c11_gpg_without_a_key_refuses(gitenv, tmp_path, gnupg_home):
    repo = make_repo(tmp_path / "app")
    git(repo, "config", "commit.gpgsign", "true")
    write_plan(repo)
    before = (head(repo), index_bytes(repo))
    with pytest.raises(GitRefusal) as err:
        commit_path(repo, PLAN, MESSAGE, env={**os.environ, "GNUPGHOME": gnupg_home})
    assert str(err.value).startswith(REFUSAL)
    _assert_nothing_committed(repo, before)


@pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
def test_c11_gpg_signed_commit_verifies_with_git(gitenv, tmp_path, gnupg_home):
    env = {**os.environ, "GNUPGHOME": gnupg_home}
    made = subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", f"{NAME} <{EMAIL}>", "ed25519", "sign", "never"],
        env=env, capture_output=True, check=False, timeout=60,
    )
    if made.returncode != 0:
        pytest.skip(f"gpg cannot generate a key here: {made.stderr.decode(errors='replace')[-200:]}")
    repo = make_repo(tmp_path / "app")
    git(repo, "config", "commit.gpgsign", "true")
    write_plan(repo)
    result = commit_path(repo, PLAN, MESSAGE, env=env)
    assert result.signed
    verify = subprocess.run(["git", "verify-commit", "HEAD"], cwd=repo, env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert_fsck_clean(repo)
