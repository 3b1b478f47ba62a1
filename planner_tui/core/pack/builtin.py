"""The built-in backend role, used when a project's prompt pack has no backend prompt of its own."""

from __future__ import annotations

import re
from functools import lru_cache

from planner_tui.core.models import RoleSpec
from planner_tui.core.pack.prompts import parse_role_prompt

__all__ = ["BACKEND_PROMPT", "builtin_role", "builtin_keys"]

# Kept as prompt text and read by the same parser as a project's prompts, so there is one code
# path. Topics, scaffold, path, commit and reply match the pipeline's backend prompt; the prose
# around them is our own.
BACKEND_PROMPT = """\
# Backend Planning

---

## Role & Mindset
You act as the **backend engineer** for this epic and settle its server-side design.
This document is where the backend conversation and its outcome are kept.
Talk it through with the user, one point at a time, until nothing about the backend is left open.
Nothing gets implemented here: the result is a set of contracts and decisions to build from later.

---

## Preparation
1. **Load [01-forbidden.md](../01-forbidden.md)** and keep to every rule in it.
2. **Load [02-mcp.md](../02-mcp.md)** to learn which MCP servers the project relies on.
3. **Load [03-pipeline.md](../03-pipeline.md)** to see which roles come before and after Backend.
4. Open the epic folder that [00-start](../00-start.md) created.
5. **Ground the plan in earlier work:** read the epic task and every artifact it lists, and cite them.
6. Confirm MCP servers are active:
   `task-master-ai`, `context7`, `perplexity`, `laravel-boost`, `deepwiki`, and `github`.

---

## Steps

1. **Begin Backend Discussion**
   - Go through these topics with the user, asking and confirming as you go:
     - Domain and data model boundaries (entities, relationships).
     - API surface: endpoints, verbs, request/response DTOs, pagination, errors.
     - Controllers, form requests, resources, policies/authorization.
     - Livewire contracts needed from backend (props, events, actions).
     - Events, listeners, jobs/queues, mail/notifications.
     - Database changes: migrations, seeds, versioning strategy.
     - Search integration (Meilisearch): indices, mappings, sync jobs.
     - Caching strategy: keys, invalidation rules, TTLs.
     - Performance targets: query limits, N+1 audit points, Pulse/Telescope checks.
     - Observability: Sentry context/breadcrumbs, log structure.
   - Carry on until the user has confirmed every topic.
   - Finish with no backend question left unanswered.

2. **Document the Final Plan**
   - Save the agreed plan to:
     `.task-master/epics/<epic folder>/roles/03-backend.md`
   - Follow this outline:
     ```
     # [Epic Title] — Backend Plan

     ## Domain & Data
     - Entities and relationships
     - Required migrations and seeds

     ## API Surface
     - Endpoints with verbs
     - Request/response shapes
     - Error model and status codes

     ## Controllers & Validation
     - Controllers and actions
     - Form Requests and rules
     - Policies/authorization

     ## Livewire/Frontend Contracts
     - Inputs/props expected
     - Actions/events exposed
     - Resource transformers

     ## Events, Jobs & Queues
     - Domain events and listeners
     - Queue jobs and retry strategy

     ## Search (Meilisearch)
     - Indices, mappings, sync strategy

     ## Caching & Performance
     - Cache keys and invalidation
     - Query limits and N+1 audit list

     ## Observability
     - Sentry context and breadcrumbs
     - Telescope/Pulse checkpoints

     ## Risks
     - Known risks and mitigations

     ## Notes
     [any relevant notes]
     ```

3. **git**
   ```
   Backend plan documented for <epic title>

   Path: .task-master/epics/<epic folder>/roles/03-backend.md
   ```

4. **Reply**
   - `The Backend role path is <path to 03-backend.md>`
   - Say exactly that, with nothing before or after it.
"""

_PROMPTS = {"03-backend": BACKEND_PROMPT}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=None)
def _parsed(key: str) -> RoleSpec:
    return parse_role_prompt(_PROMPTS[key], "built-in")


def builtin_keys() -> list[str]:
    """Keys of the built-in roles (`03-backend`)."""
    return list(_PROMPTS)


def builtin_role(key_or_name: str) -> RoleSpec | None:
    """The built-in role for a key (`03-backend`), name (`Backend`, `backend`) or prompt file
    name (`23-backend.md`); None when there is none. Each call returns a fresh copy."""
    wanted = _norm(re.sub(r"\.md$", "", key_or_name.strip(), flags=re.IGNORECASE))
    bare = _norm(re.sub(r"^\s*\d+[-_ ]*", "", key_or_name.strip()).removesuffix(".md"))
    for key in _PROMPTS:
        role = _parsed(key)
        if wanted in (_norm(key), _norm(role.name)) or bare == _norm(role.name):
            return role.model_copy(deep=True)
    return None
