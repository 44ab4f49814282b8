"""A test's paper: drawn once from its parts when the test is published, and shown to each person in their own
order. Both are pure functions of a stored seed and stored inputs, so a page can run them again and show that
they give what was stored.

``inputs`` of the paper draw: ``{"parts": [{"part": id, "points": p, "count": n, "fixed": version_id or null,
"candidates": [version_id, ...]}, ...]}`` in the parts' order. Fixed questions are taken first; each rule then
draws ``count`` of its candidates not already on the paper.
"""

from __future__ import annotations

import random

# Questions are grouped on the paper in this order of types (as papers are printed), shuffled within a type.
KIND_ORDER = ["single", "multiple", "true_false", "fill", "short"]


class Shortage(ValueError):
    """A rule asks for more questions than its candidates offer: ``index`` of the part, ``available`` questions."""

    def __init__(self, index: int, available: int, wanted: int):
        super().__init__(f"part {index} wants {wanted}, {available} available")
        self.index, self.available, self.wanted = index, available, wanted


def run(seed: str, inputs: dict) -> list[list[int]]:
    """Return ``[[part_id, version_id, points], ...]`` in the parts' order; raise ``Shortage`` if a rule cannot be met."""
    rng = random.Random(f"paper:{seed}")
    taken = {part["fixed"] for part in inputs["parts"] if part["fixed"] is not None}
    result = []
    for index, part in enumerate(inputs["parts"]):
        if part["fixed"] is not None:
            result.append([part["part"], part["fixed"], part["points"]])
            continue
        pool = [version for version in sorted(part["candidates"]) if version not in taken]
        if len(pool) < part["count"]:
            raise Shortage(index, len(pool), part["count"])
        chosen = rng.sample(pool, part["count"])
        taken.update(chosen)
        result += [[part["part"], version, part["points"]] for version in chosen]
    return result


def layout(seed: str, questions: list[tuple[int, str, int]], *, shuffle: bool) -> list[tuple[int, list[int]]]:
    """One person's order of the paper: ``questions`` are ``(id, kind, option_count)`` in the paper's order.

    Return ``[(id, option_order), ...]``: types keep the printed order, questions and options are shuffled
    within them when ``shuffle`` is on (``option_order[i]`` is the index of the option shown in place ``i``).
    """
    rng = random.Random(f"layout:{seed}")
    groups: dict[str, list[tuple[int, str, int]]] = {}
    for question in questions:
        groups.setdefault(question[1], []).append(question)
    ordered = []
    for kind in sorted(groups, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER)):
        group = list(groups[kind])
        if shuffle:
            rng.shuffle(group)
        ordered += group
    result = []
    for question_id, _kind, option_count in ordered:
        options = list(range(option_count))
        if shuffle:
            rng.shuffle(options)
        result.append((question_id, options))
    return result
