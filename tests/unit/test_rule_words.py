"""Rule breaks quote the rules file word for word; one line of code and an unlisted package are caught,
ordinary planning prose is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner_tui.core.pack.rules import parse_rules
from planner_tui.core.plan.dependencies import listed_packages, package_names, unlisted_dependencies
from planner_tui.core.plan.rulecheck import find_breaks, rule_quote, rule_text

# A rules file in the words of a later pipeline: no "code block" and no "source code" in it.
FORBIDDEN = """# Guardrails

## Forbidden Actions

### 1. Scope and Time
- ❌ Do not give or hint at **time estimates** (hours, days, sprints).
- ❌ Do not pull in **dependencies** or outside references silently.

### 2. Code Generation
- ❌ Do not write boilerplate, migrations, controllers or config files while planning.
"""

ONE_LINERS = [
    "Create it with Schema::create('photo_annotations', function (Blueprint $table) { ... });",
    "Migration: $table->foreignId('photo_id')->constrained()->cascadeOnDelete();",
    "Notify the owner: $user->notify(new AnnotationAdded($annotation));",
    "The controller ends with return response()->json($data, 201);",
    "Scope it with `Photo::query()->whereBelongsTo($user)->get()` in the index action.",
    "dispatch(new SyncPhotos($batch));",
    "Add the column with ALTER TABLE photos ADD COLUMN caption text",
]
PROSE = [
    "Use cursor pagination (25 per page); return 422 on validation errors.",
    "Index (photo_id, created_at); paginate with a cursor.",
    "The `photo_annotations` table has `photo_id` and `body` columns.",
    "Register `Photo::class` in the policy map.",
    "Costs stay under $5 per month; no new services.",
    "Call the create() action from the Livewire component.",
    "Pending -> done: the job moves on; the UI polls every 5 s.",
    "Events: AnnotationCreated (queued on `default`), AnnotationDeleted.",
    "create table photo_annotations with a foreign key to photos",
    "Errors follow RFC 7807 (problem+json); see the PRD (section 4).",
    "Validation: body required|string|max:2000; x/y between 0 and 1.",
    "Read roles/03-backend.md and app/Models/Photo.php; read/write access for owners and/or admins.",
    "Indexes: unique(sync_batches.device_id, client_uuid); unique(note_revisions.note_id, revision); index(notes.conflict_of_id)",
    "Telescope in local/staging only; npm ci runs in the local/staging builds.",
]


@pytest.mark.parametrize("text", ONE_LINERS)
def test_one_line_of_code_breaks_the_no_code_rule(text: str) -> None:
    found = [f for f in find_breaks(text) if f.rule == "code"]
    assert len(found) == 1
    # The offending text is quoted as written (from a little before the code).
    assert found[0].quote.rstrip("…")[-20:] in text


@pytest.mark.parametrize("text", PROSE)
def test_planning_prose_is_not_code_and_brings_in_no_package(text: str) -> None:
    assert [f for f in find_breaks(text) if f.rule == "code"] == []
    assert package_names(text) == ()


def test_the_rule_quoted_is_the_files_own_sentence() -> None:
    rules = parse_rules(FORBIDDEN, "01-forbidden.md")
    assert rule_quote("code", rules) == "Do not write boilerplate, migrations, controllers or config files while planning."
    assert rule_quote("dependencies", rules) == "Do not pull in **dependencies** or outside references silently."
    # A rule the file does not have is never quoted from it; the built-in wording stays built in.
    assert rule_quote("credentials", rules) is None
    assert rule_text("credentials", rules) == "Never paste real credentials, tokens or API keys."


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Install with `composer require spatie/laravel-medialibrary:^11 -W` for uploads.", ("spatie/laravel-medialibrary",)),
        ("Use the spatie/laravel-permission package for roles.", ("spatie/laravel-permission",)),
        ("Frontend: npm install @alpinejs/focus konva --save-dev", ("@alpinejs/focus", "konva")),
        ("Use `@tanstack/vue-query` for caching.", ("@tanstack/vue-query",)),
        ("Add laravel/scout to composer.json.", ("laravel/scout",)),
        ("Email admin@example.com; files in storage/app/photos under /api/photos/{photo}.", ()),
    ],
)
def test_package_names_a_text_brings_in(text: str, names: tuple[str, ...]) -> None:
    assert package_names(text) == names


def test_a_package_03_packages_does_not_list_is_named(tmp_path: Path) -> None:
    epic = ".taskmaster/epics/012_team-invitations"
    (tmp_path / epic).mkdir(parents=True)
    assert listed_packages(tmp_path, epic) is None
    (tmp_path / epic / "03-packages.md").write_text(
        "# Packages\n\n## Selected Packages\n- laravel/scout — search\n- `alpinejs` for the UI\n", encoding="utf-8"
    )
    listed = listed_packages(tmp_path, epic)
    assert listed is not None and {"laravel/scout", "alpinejs"} <= listed
    text = "composer require laravel/scout spatie/laravel-medialibrary; npm i alpinejs"
    found = unlisted_dependencies(text, listed)
    assert [(f.rule, f.quote) for f in found] == [("dependencies", "spatie/laravel-medialibrary")]
    assert found[0].what == "a dependency that 03-packages.md does not list"
    assert unlisted_dependencies(text, None)[0].what == "a dependency, and the epic has no 03-packages.md to list it"


def test_the_commit_is_blocked_with_the_rules_own_words_and_the_offending_text(tmp_path: Path) -> None:
    from planner_tui.core.engine import Planner
    from planner_tui.demo import DEMO_EPIC, make_demo

    root = make_demo(tmp_path / "demo", git=False)
    (root / ".cursor/commands/01-forbidden.md").write_text(FORBIDDEN, encoding="utf-8")
    planner = Planner.open(root, epic=DEMO_EPIC)
    planner.add(1, "decision", "Migration: $table->foreignId('photo_id')->constrained();")
    planner.add(1, "decision", "Thumbnails with intervention/image, optimised with the spatie/image-optimizer package.")
    planner.add(1, "decision", "Store `photo_id` and `body`; one row per annotation.")
    rules = [b.message for b in planner.blockers() if b.kind == "rule"]
    assert len(rules) == 2, rules
    code, dependency = rules
    assert "has a line of code (\"Migration: $table->foreignId('photo" in code  # the offending text, clipped
    assert code.endswith('which 01-forbidden.md forbids: "Do not write boilerplate, migrations, controllers or config files while planning."')
    assert '("spatie/image-optimizer")' in dependency and "03-packages.md does not list" in dependency
    assert dependency.endswith('forbids: "Do not pull in dependencies or outside references silently."')


def test_a_rule_the_file_lacks_is_said_to_be_the_built_in_check(tmp_path: Path) -> None:
    from planner_tui.core.engine import Planner
    from planner_tui.demo import DEMO_EPIC, make_demo

    root = make_demo(tmp_path / "demo", git=False)
    (root / ".cursor/commands/01-forbidden.md").write_text(FORBIDDEN, encoding="utf-8")
    planner = Planner.open(root, epic=DEMO_EPIC)
    planner.add(1, "decision", "The worker reads AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from the env.")
    message = next(b.message for b in planner.blockers() if b.kind == "rule")
    assert "which planner-tui's own check forbids (01-forbidden.md has no rule for it)" in message
    assert "01-forbidden.md forbids" not in message


def test_the_demos_written_plans_hold_no_code_and_no_unlisted_package() -> None:
    """Real planning prose, as the bundled demo's role plans word it, breaks neither rule."""
    demo = Path(__file__).resolve().parents[2] / "planner_tui" / "demo" / "project"
    plans = sorted(demo.glob(".task-master/epics/*/roles/*.md"))
    assert plans
    for plan in plans:
        listed = listed_packages(demo, plan.parent.parent.relative_to(demo).as_posix())
        for line in plan.read_text(encoding="utf-8").splitlines():
            assert [f for f in find_breaks(line) if f.rule == "code"] == [], (plan.name, line)
            assert unlisted_dependencies(line, listed) == [], (plan.name, line)
