"""H: hostile repositories: writes that leave the plan path, folder names, hooks, git configuration, invisible subjects."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from planner_tui.cli.main import main
from planner_tui.core.engine import Planner

from tests.reliability.conftest import EPIC

PLAN = f".task-master/epics/{EPIC}/roles/03-backend.md"
SUBJECT = "Backend plan documented for Photo Annotations"


def git(root: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check).stdout


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def files_below(folder: Path, skip: Path) -> dict[str, bytes]:
    """Every file below `folder` (links as their target text) outside `skip`, with its bytes."""
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if Path(dirpath, d) != skip]
        for name in filenames + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath, name)
            found[str(path)] = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return found


def commit(root: Path, capsys: pytest.CaptureFixture[str], *extra: str, epic: str = EPIC) -> tuple[int, str, str]:
    """`planner-tui commit --yes` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(["--project", str(root), "--epic", epic, "commit", "--yes", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, out: str, err: str, *words: str) -> None:
    """Refused in words: exit 1, no reply line, no "already committed", no traceback."""
    assert code == 1, (out, err)
    assert out == ""
    assert "already committed" not in err and "Committed" not in err
    assert "Traceback" not in err and "internal error" not in err.lower()
    for word in words:
        assert word in err, err


# ---------------------------------------------------------------------------------------- H1


@pytest.mark.parametrize("where", ["outside the repository", "the project's README, committed"])
def test_H1a_a_symlink_at_the_plan_path_is_refused_never_written_through(
    demo_project: Path, planner: Planner, make_ready, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """A symlink at `roles/03-backend.md`, whether it points outside the repository or (committed)
    at the project's own README, is refused with the reason before anything is written: the file
    it points to keeps its bytes, HEAD does not move, and the command exits 1 without saying
    "already committed"."""
    make_ready(planner)
    link = demo_project / PLAN
    if where == "outside the repository":
        victim = demo_project.parent / "victim.md"
        victim.write_text("not yours\n", encoding="utf-8")
        link.symlink_to(victim)
    else:
        victim = demo_project / "README.md"
        link.symlink_to(os.path.relpath(victim, link.parent))
        git(demo_project, "add", PLAN)
        git(demo_project, "commit", "-qm", "link the plan to the README")
    before, tip = victim.read_bytes(), head(demo_project)
    outside = files_below(demo_project.parent, skip=demo_project)

    assert_refused(*commit(demo_project, capsys), "symbolic link", PLAN)

    assert victim.read_bytes() == before
    assert link.is_symlink()
    assert head(demo_project) == tip
    assert files_below(demo_project.parent, skip=demo_project) == outside


def test_H1b_a_symlinked_roles_folder_is_not_written_through(
    demo_project: Path, planner: Planner, make_ready, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `roles/` folder that is a symlink to a folder outside the work tree is refused: nothing is
    created or changed in that folder, and nothing is committed."""
    make_ready(planner)
    elsewhere = demo_project.parent / "elsewhere"
    roles = demo_project / PLAN.rsplit("/", 1)[0]
    shutil.move(roles, elsewhere)
    roles.symlink_to(elsewhere, target_is_directory=True)
    tip = head(demo_project)
    outside = files_below(demo_project.parent, skip=demo_project)

    assert_refused(*commit(demo_project, capsys), "symbolic link", "roles")

    assert files_below(demo_project.parent, skip=demo_project) == outside
    assert not (elsewhere / "03-backend.md").exists()
    assert head(demo_project) == tip


def test_H1c_a_role_prompt_whose_plan_path_climbs_out_writes_nothing(
    demo_project: Path, git_home: Path, capsys: pytest.CaptureFixture[str], make_ready
) -> None:
    """A role prompt whose plan path holds `..` (`<epic folder>/../../../../escape/roles/03-backend.md`)
    makes no folder and no file outside the repository: the path blocks the commit (in `status`
    too), and the commit is refused naming it."""
    prompt = demo_project / ".cursor/commands/20-roles/23-backend.md"
    prompt.write_text(
        prompt.read_text(encoding="utf-8").replace(
            "<epic folder>/roles/03-backend.md", "<epic folder>/../../../../escape/roles/03-backend.md"
        ),
        encoding="utf-8",
    )
    git(demo_project, "commit", "-qam", "a prompt that climbs out")
    pl = Planner.open(demo_project, epic=EPIC)
    assert ".." in pl.plan_path
    with pytest.raises(AssertionError):
        make_ready(pl)  # every topic settled; what still blocks is the path, with its reason
    assert [b.kind for b in pl.blockers()] == ["path"]
    tip = head(demo_project)
    outside = files_below(demo_project.parent, skip=demo_project)

    assert_refused(*commit(demo_project, capsys), "not a plain path inside the project")

    assert files_below(demo_project.parent, skip=demo_project) == outside
    assert not (demo_project.parent / "escape").exists()
    assert head(demo_project) == tip


# ---------------------------------------------------------------------------------------- H2


@pytest.mark.parametrize(
    "twin",
    ["009_photo\u200b-annotations", "009_photo-annotations\u200e", "009_photo  annotations", "009_photo\u202e-annotations"],
    ids=["zero-width space", "direction mark", "two spaces", "right-to-left override"],
)
def test_H2a_folders_differing_by_an_invisible_character_or_a_space_stay_distinct(
    demo_project: Path, make_ready, capsys: pytest.CaptureFixture[str], twin: str
) -> None:
    """An epic folder whose name differs from another only by an invisible or direction character,
    or by two spaces, gets its plan in its own folder, byte for byte: the commit holds exactly that
    path, the other epic's plan is never written, and the reply shows the difference as an escape."""
    epics = demo_project / ".task-master/epics"
    shutil.copytree(epics / EPIC, epics / twin)
    pl = Planner.open(demo_project, epic=f".task-master/epics/{twin}")
    assert pl.epic.folder == twin
    make_ready(pl)

    code, out, err = commit(demo_project, capsys, epic=f".task-master/epics/{twin}")

    assert code == 0, err
    changed = git(demo_project, "-c", "core.quotePath=false", "show", "--name-only", "--format=", "HEAD", "-z")
    assert changed.split("\0")[:-1] == [f".task-master/epics/{twin}/roles/03-backend.md"]
    assert not (demo_project / PLAN).exists()
    assert (epics / twin / "roles/03-backend.md").is_file()
    assert twin not in out or twin == "009_photo  annotations"  # invisible characters are shown as escapes
    assert all(unicodedata.category(ch) != "Cf" for ch in out)


def test_H2b_a_folder_name_that_is_not_utf8_is_shown_with_escapes_or_refused_in_words(
    demo_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An epic folder named with a byte that is not UTF-8 (`010_caf\\xe9`) is listed with the byte
    escaped, its status is shown, and planning in it is refused with one sentence asking for a
    rename; never an internal error."""
    epics = os.fsencode(demo_project / ".task-master/epics")
    shutil.copytree(os.fsencode(demo_project / ".task-master/epics" / EPIC), epics + b"/010_caf\xe9")

    capsys.readouterr()
    assert main(["--project", str(demo_project), "epics"]) == 0
    assert "010_caf\\xe9" in capsys.readouterr().out
    assert main(["--project", str(demo_project), "--epic", "010", "status"]) == 1  # blocked, as any new plan
    out, err = capsys.readouterr()
    assert "Ready to commit" not in out and "internal error" not in err.lower()

    code = main(["--project", str(demo_project), "--epic", "010", "add", "1", "decision", "Annotations live in one table."])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "010_caf\\xe9 is not valid UTF-8" in err and "rename the folder" in err
    assert "internal error" not in err.lower() and "Traceback" not in err
    assert not list(Path(demo_project / ".planner-tui").rglob("*caf*")) if (demo_project / ".planner-tui").exists() else True


# ---------------------------------------------------------------------------------------- H5

_BACKGROUND_HOOK = """#!/bin/sh
echo "notifying the team"
sleep 30 &
echo $! >> {pids}
exit 0
"""


def test_H5a_a_hook_that_leaves_a_background_job_does_not_hold_the_commit(
    demo_project: Path, planner: Planner, make_ready, child_env: dict[str, str], tmp_path: Path
) -> None:
    """pre-commit and post-commit hooks that start `sleep 30 &` (which keeps their output open)
    no longer hang the command: planner-tui waits for the hook, not for its output, so the commit
    is made and the reply line is printed within seconds."""
    make_ready(planner)
    pids = tmp_path / "background.pids"
    for name in ("pre-commit", "post-commit"):
        hook = demo_project / ".git/hooks" / name
        hook.write_text(_BACKGROUND_HOOK.format(pids=pids), encoding="utf-8")
        hook.chmod(0o755)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "planner_tui", "--epic", EPIC, "commit", "--yes"],
            cwd=demo_project, env=child_env, capture_output=True, text=True, timeout=25,
        )
    finally:
        for pid in pids.read_text().split() if pids.exists() else []:
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
    took = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"The Backend role path is {PLAN}\n"
    assert took < 15, f"the command took {took:.1f} s"
    assert len(pids.read_text().split()) == 2  # both hooks ran and left their job behind
    assert git(demo_project, "log", "-1", "--format=%s").strip() == SUBJECT


def test_H5b_a_hook_that_never_ends_is_stopped_at_the_time_limit_with_a_sentence(
    demo_project: Path, planner: Planner, make_ready, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pre-commit hook still running at the time limit (600 s; 1 s here) is stopped, and the
    refusal says so: the hook ran too long, nothing was committed, HEAD did not move."""
    from planner_tui.core.git import hooks

    monkeypatch.setattr(hooks, "HOOK_TIMEOUT", 1.0)
    make_ready(planner)
    hook = demo_project / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho checking\nexec sleep 30\n", encoding="utf-8")
    hook.chmod(0o755)
    tip = head(demo_project)
    started = time.monotonic()

    assert_refused(*commit(demo_project, capsys), "pre-commit hook was still running after 1 s", "nothing was committed")

    assert time.monotonic() - started < 10
    assert head(demo_project) == tip


# ---------------------------------------------------------------------------------------- H6

_HASH_HOOK = '#!/bin/sh\nprintf "# added by the hook\\n" >> "$1"\n'


@pytest.mark.parametrize(
    ("cleanup", "comment"),
    [("strip", None), ("default", None), ("whitespace", None), ("verbatim", None), ("strip", ";"), ("strip", "auto")],
)
def test_H6a_commit_cleanup_is_honoured_as_git_honours_it(
    demo_project: Path, planner: Planner, make_ready, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    cleanup: str, comment: str | None,
) -> None:
    """With commit.cleanup (and core.commentChar) set, a `#` line a prepare-commit-msg hook adds is dropped or kept exactly
    as `git commit -m` drops or keeps it in a repository with the same setting and hook."""
    make_ready(planner)
    message = planner.commit_message()
    twin = tmp_path / "twin"
    git(tmp_path, "init", "-q", str(twin))
    for root in (demo_project, twin):
        git(root, "config", "commit.cleanup", cleanup)
        if comment is not None:  # with `;` the hook's `#` line is no comment; `auto` picks `#`
            git(root, "config", "core.commentChar", comment)
        hook = root / ".git/hooks/prepare-commit-msg"
        hook.write_text(_HASH_HOOK, encoding="utf-8")
        hook.chmod(0o755)
    git(twin, "commit", "-q", "--allow-empty", "-m", message)

    code, out, err = commit(demo_project, capsys)

    assert code == 0, err
    ours = git(demo_project, "cat-file", "commit", "HEAD").split("\n\n", 1)[1]
    theirs = git(twin, "cat-file", "commit", "HEAD").split("\n\n", 1)[1]
    assert ours == theirs
    assert ("# added by the hook" in ours) == (cleanup != "strip" or comment == ";")


def test_H6b_shared_repository_keeps_group_write_on_new_objects_and_the_index(
    demo_project: Path, planner: Planner, make_ready, capsys: pytest.CaptureFixture[str]
) -> None:
    """With core.sharedRepository = group and a umask of 022, the object folders and the index the
    commit writes keep group write (folders also set-group-id), as git makes them, so a teammate
    in the group can commit afterwards."""
    make_ready(planner)
    git(demo_project, "config", "core.sharedRepository", "group")
    old = os.umask(0o022)
    try:
        code, _, err = commit(demo_project, capsys)
    finally:
        os.umask(old)
    assert code == 0, err
    git_dir = demo_project / ".git"
    assert os.stat(git_dir / "index").st_mode & 0o060 == 0o060
    made = git(demo_project, "rev-parse", "HEAD", "HEAD^{tree}", f"HEAD:{PLAN}", f"HEAD:{PLAN.rsplit('/', 1)[0]}").split()
    for sha in made:
        folder = git_dir / "objects" / sha[:2]
        assert os.stat(folder).st_mode & 0o2070 == 0o2070, (sha, oct(os.stat(folder).st_mode))
        assert os.stat(folder / sha[2:]).st_mode & 0o040
    for ref in ("refs/heads/main", "logs/refs/heads/main", "logs/HEAD"):
        assert os.stat(git_dir / ref).st_mode & 0o060 == 0o060, ref


def test_H6c_head_pointing_to_a_branch_through_another_symbolic_ref_commits_on_that_branch(
    demo_project: Path, planner: Planner, make_ready, capsys: pytest.CaptureFixture[str]
) -> None:
    """HEAD -> refs/heads/alias -> refs/heads/main: the commit is made on main (as git makes it),
    both symbolic refs stay as they were; it is no longer refused as "moved while committing"."""
    make_ready(planner)
    git(demo_project, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    git(demo_project, "symbolic-ref", "HEAD", "refs/heads/alias")
    tip = head(demo_project)

    code, out, err = commit(demo_project, capsys)

    assert code == 0, err
    assert out == f"The Backend role path is {PLAN}\n"
    assert git(demo_project, "rev-parse", "main^").strip() == tip
    assert (demo_project / ".git/HEAD").read_text() == "ref: refs/heads/alias\n"
    assert (demo_project / ".git/refs/heads/alias").read_text() == "ref: refs/heads/main\n"


def test_H6d_a_sha256_repository_plans_and_names_the_real_reason_it_cannot_commit(
    demo_project: Path, planner: Planner, make_ready, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a SHA-256 repository (`git init --object-format=sha256`) the commands that do not commit
    work (`epics`, `status`, `render`), and the commit is refused naming SHA-256, not
    `safe.directory`; the plan is written for git to commit, and HEAD does not move."""
    project = tmp_path / "sha256"
    git(tmp_path, "init", "-q", "--object-format=sha256", str(project))
    shutil.copytree(demo_project, project, ignore=shutil.ignore_patterns(".git"), dirs_exist_ok=True)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "demo")
    tip = head(project)
    make_ready(Planner.open(project, epic=EPIC))
    capsys.readouterr()
    for command in (["epics"], ["--epic", EPIC, "status"], ["--epic", EPIC, "render"]):
        assert main(["--project", str(project), *command]) == 0, capsys.readouterr().err
    assert EPIC in capsys.readouterr().out

    code, out, err = commit(project, capsys)

    assert_refused(code, out, err, "SHA-256", f"git commit -- {PLAN}")
    assert "safe.directory" not in err
    assert (project / PLAN).is_file()
    assert head(project) == tip


# ---------------------------------------------------------------------------------------- H9

_HIDDEN = "\u200b\u200c\u200d\u2060\ufeff\u00ad\U000e0001\U000e0041\U000e0042\U000e007f\u202e\u2066\u180e"


def test_H9_invisible_format_characters_never_reach_the_commit_subject(
    demo_project: Path, make_ready, capsys: pytest.CaptureFixture[str]
) -> None:
    """An epic title carrying zero-width characters, a word joiner, a byte-order mark, a soft
    hyphen, Unicode tag characters (hidden text for an agent) and direction controls gives a
    commit subject without any of them: every format character (category Cf) is removed."""
    tasks = demo_project / ".taskmaster/tasks/tasks.json"
    hostile = "Pho" + _HIDDEN[:6] + "to Anno" + _HIDDEN[6:] + "tations"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("EPIC: Photo Annotations", f"EPIC: {hostile}"), encoding="utf-8")
    git(demo_project, "commit", "-qam", "a hostile title")
    pl = Planner.open(demo_project, epic=EPIC)
    assert pl.epic.title == hostile
    make_ready(pl)

    code, _, err = commit(demo_project, capsys)

    assert code == 0, err
    raw = subprocess.run(["git", "log", "-1", "--format=%s"], cwd=demo_project, capture_output=True, check=True).stdout
    subject = raw.decode("utf-8").rstrip("\n")
    assert subject == SUBJECT
    assert [hex(ord(ch)) for ch in subject if unicodedata.category(ch) == "Cf"] == []


def test_H9b_every_format_character_is_removed_by_the_one_cleaning_function() -> None:
    """The cleaning used for the commit subject removes each of Unicode's format characters, all
    of them, not a list of known ones."""
    from planner_tui.core.text.display import clean_line

    format_chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_chars) > 150
    kept = [hex(ord(ch)) for ch in format_chars if clean_line(f"a{ch}b") != "ab"]
    assert kept == []
