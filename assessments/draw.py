"""Who sits a test (随机抽考): a pure function of its seed and inputs, so anyone can run it again.

``inputs``: ``{"candidates": [[person_id, group_id], ...], "mode": "all" | "count" | "percent", "amount": n}``,
the candidates sorted and each person once (the first group they were found in). ``all`` takes every candidate;
``count`` draws ``amount`` of them (all if fewer); ``percent`` draws ``amount``% of them, rounded up, at least
one when there is any candidate.
"""

from __future__ import annotations

import math
import random


def wanted(inputs: dict) -> int:
    """How many people the draw takes."""
    total = len(inputs["candidates"])
    if inputs["mode"] == "all":
        return total
    if inputs["mode"] == "count":
        return min(total, inputs["amount"])
    return min(total, max(1, math.ceil(total * inputs["amount"] / 100))) if total else 0


def run(seed: str, inputs: dict) -> list[list[int]]:
    """Return the ``[person_id, group_id]`` drawn, sorted."""
    candidates = sorted(inputs["candidates"])
    count = wanted(inputs)
    if count >= len(candidates):
        return candidates
    return sorted(random.Random(f"sitters:{seed}").sample(candidates, count))


def candidates(rows) -> list[list[int]]:
    """``(person_id, group_id)`` rows as the draw's candidate list: sorted, each person once."""
    seen: dict[int, int] = {}
    for person_id, group_id in sorted(rows):
        seen.setdefault(person_id, group_id)
    return sorted([person_id, group_id] for person_id, group_id in seen.items())
