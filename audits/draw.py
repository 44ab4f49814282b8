"""The random draw (随机式列席旁听): a pure function of its seed and inputs, so anyone can re-run it.

Inputs are plain data (ids, counts and times), kept with the draw:

* ``sessions``: ``[session_id, group_id, organization_path, starts, ends]`` of the candidate sessions, times
  in seconds since the epoch (draws made before times were kept have only the first three);
* ``observers``: ``[person_id, organization_path]`` of the active pool;
* ``observed``: group id → visits this year before the draw;
* ``workload``: observer id → visits this year before the draw;
* ``busy``: observer id → ``[starts, ends]`` of the sessions they were already to observe (may be absent);
* ``count``: how many sessions to draw.

Rules: groups not yet observed this year come first (one session per group
before a second one of the same group); an observer never goes to a session
of their own organization or of an organization above it, nor to two
sessions that overlap in time (counting the visits they already had);
observers are given work evenly, the least loaded first. A session no free
observer may take stays uncovered.
"""

from __future__ import annotations

import random

from studygroup.models import Organization


def eligible(observer_path: str, session_path: str) -> bool:
    """An observer may not observe a session of their own organization or of an organization above it."""
    return not Organization.is_path_within(observer_path, session_path)


def overlaps(first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether two ``(starts, ends)`` spans share a moment (touching ends do not; an empty span is a moment)."""
    return first[0] < max(second[1], second[0] + 1) and second[0] < max(first[1], first[0] + 1)


def _span(session: list) -> tuple[int, int] | None:
    return (session[3], session[4]) if len(session) >= 5 else None


def run(seed: str, inputs: dict) -> list[list[int]]:
    """Return ``[[session_id, observer_id], ...]`` for the draw."""
    rng = random.Random(seed)
    sessions = sorted(inputs["sessions"])
    observers = sorted(inputs["observers"])
    observed = {int(k): v for k, v in inputs["observed"].items()}
    workload = {int(k): v for k, v in inputs["workload"].items()}
    busy = {int(k): [tuple(span) for span in v] for k, v in inputs.get("busy", {}).items()}
    rng.shuffle(sessions)
    rng.shuffle(observers)
    order = {observer[0]: index for index, observer in enumerate(observers)}

    def free_observers(session: list) -> list[list]:
        span = _span(session)
        return [
            o
            for o in observers
            if eligible(o[1], session[2])
            and (span is None or not any(overlaps(span, taken) for taken in busy.get(o[0], [])))
        ]

    result, groups_taken = [], {}
    # Fewest visits first; among equals, groups not yet taken in this draw first; then the shuffled order.
    pool = list(sessions)
    while pool and len(result) < inputs["count"]:
        pool.sort(key=lambda s: (observed.get(s[1], 0) + groups_taken.get(s[1], 0), groups_taken.get(s[1], 0)))
        candidate = next(((s, free) for s in pool if (free := free_observers(s))), None)
        if candidate is None:
            break
        session, free = candidate
        pool.remove(session)
        groups_taken[session[1]] = groups_taken.get(session[1], 0) + 1
        observer_id = min(free, key=lambda o: (workload.get(o[0], 0), order[o[0]]))[0]
        workload[observer_id] = workload.get(observer_id, 0) + 1
        if (span := _span(session)) is not None:
            busy.setdefault(observer_id, []).append(span)
        result.append([session[0], observer_id])
    return result


def uncovered(inputs: dict, result: list[list[int]]) -> list[int]:
    """The candidate sessions left without an observer although the draw asked for them.

    Empty when the draw found as many sessions as it was asked for (or every candidate); otherwise every
    candidate not drawn, since each was passed over for want of a free observer allowed to take it.
    """
    wanted = min(inputs["count"], len(inputs["sessions"]))
    if len(result) >= wanted:
        return []
    drawn = {session_id for session_id, _observer in result}
    return sorted(s[0] for s in inputs["sessions"] if s[0] not in drawn)
