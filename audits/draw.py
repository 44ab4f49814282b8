"""The random draw (随机式列席旁听): a pure function of its seed and inputs, so anyone can re-run it.

Inputs are plain data (ids and counts), kept with the draw:

* ``sessions``: ``[session_id, group_id, organization_path]`` of the candidate sessions;
* ``observers``: ``[person_id, organization_path]`` of the active pool;
* ``observed``: group id → visits this year before the draw;
* ``workload``: observer id → visits this year before the draw;
* ``count``: how many sessions to draw.

Rules: groups not yet observed this year come first (one session per group
before a second one of the same group); an observer never goes to a session
of their own organization or of an organization above it; observers are
given work evenly, the least loaded first.
"""

from __future__ import annotations

import random


def eligible(observer_path: str, session_path: str) -> bool:
    """An observer may not observe a session of their own organization or of an organization above it."""
    return not observer_path.startswith(session_path)


def run(seed: str, inputs: dict) -> list[list[int]]:
    """Return ``[[session_id, observer_id], ...]`` for the draw."""
    rng = random.Random(seed)
    sessions = sorted(inputs["sessions"])
    observers = sorted(inputs["observers"])
    observed = {int(k): v for k, v in inputs["observed"].items()}
    workload = {int(k): v for k, v in inputs["workload"].items()}
    rng.shuffle(sessions)
    rng.shuffle(observers)
    picked, groups_taken = [], {}
    # Fewest visits first; among equals, groups not yet taken in this draw first; then the shuffled order.
    pool = list(sessions)
    while pool and len(picked) < inputs["count"]:
        pool.sort(key=lambda s: (observed.get(s[1], 0) + groups_taken.get(s[1], 0), groups_taken.get(s[1], 0)))
        candidate = None
        for session in pool:
            if any(eligible(path, session[2]) for _pid, path in observers):
                candidate = session
                break
        if candidate is None:
            break
        pool.remove(candidate)
        picked.append(candidate)
        groups_taken[candidate[1]] = groups_taken.get(candidate[1], 0) + 1
    result = []
    for session_id, _group_id, session_path in picked:
        choices = [o for o in observers if eligible(o[1], session_path)]
        observer_id = min(choices, key=lambda o: (workload.get(o[0], 0), observers.index(o)))[0]
        workload[observer_id] = workload.get(observer_id, 0) + 1
        result.append([session_id, observer_id])
    return result
