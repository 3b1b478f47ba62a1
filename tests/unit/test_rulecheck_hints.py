"""The literal shortcuts in the rule checks never hide a break the full patterns find."""

from __future__ import annotations

from planner_tui.core.plan import rulecheck

# One sample per token pattern, in the order of rulecheck._TOKEN_PATTERNS (all made up).
TOKENS = [
    "sk-proj-abcdefghijklmnop1234",
    "sk_live_abcdefghijkl1234",
    "ghp_abcdefghijklmnopqrstuvwx",
    "github_pat_abcdefghijklmnopqrstuv",
    "AKIAABCDEFGHIJKLMNOP",
    "xoxb-1234567890-abcdef",
    "AIza" + "B" * 35,
    "eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeKK",
    "-----BEGIN RSA PRIVATE KEY-----",
    "https://" + "a" * 32 + "@o1.ingest.sentry.io/42",
    "postgres://admin:hunter22@db.internal",
]


def test_every_token_pattern_has_its_literal_and_still_finds_its_sample():
    assert len(rulecheck._TOKEN_HINTS) == len(rulecheck._TOKEN_PATTERNS) == len(TOKENS)
    for (what, pattern), hints, sample in zip(rulecheck._TOKEN_PATTERNS, rulecheck._TOKEN_HINTS, TOKENS):
        assert pattern.search(sample), what
        assert any(h in sample for h in hints), what
        found = rulecheck.find_breaks(f"The worker reads {sample} at boot.")
        assert any(f.rule == "credentials" for f in found), what


def test_code_and_assignments_are_still_found_through_the_shortcuts():
    assert any(f.rule == "code" for f in rulecheck.find_breaks("Run this:\n```php\necho 1;\n```"))
    assert any(f.rule == "code" for f in rulecheck.find_breaks("Open with <?php and go."))
    assert any(f.rule == "code" for f in rulecheck.find_breaks("public function store(Request $r)"))
    assert any(f.rule == "code" for f in rulecheck.find_breaks("$a = 1;\n$b->save();"))
    assert any(f.rule == "credentials" for f in rulecheck.find_breaks('DB_PASSWORD="x9!Lq2#vB7"'))
    assert rulecheck.find_breaks("Annotations are stored per photo and listed newest first.") == []
