"""The random draw of sessions for records checks (随机抽查): a pure function of its seed and inputs.

Inputs are plain data kept with the draw:

* ``sessions``: ``[session_id, group_id]`` of the candidate sessions (reported upward, starting in the dates, not
  yet checked by the drawing organization);
* ``checked``: group id → records checks of the group by the drawing organization this year before the draw;
* ``count``: how many sessions to draw.

Rules: groups checked least come first, one session per group before a second of the same group; among equals
the seeded shuffle decides. Anyone can run it again from the page and see the same result.
"""

from __future__ import annotations

import random


def run(seed: str, inputs: dict) -> list[int]:
    """Return the drawn session ids, in the order drawn."""
    rng = random.Random(seed)
    sessions = sorted(inputs["sessions"])
    rng.shuffle(sessions)
    checked = {int(group): count for group, count in inputs["checked"].items()}
    taken: dict[int, int] = {}
    result = []
    pool = list(sessions)
    while pool and len(result) < inputs["count"]:
        # Stable sort: among sessions equally due, the shuffled order stands.
        pool.sort(key=lambda s: checked.get(s[1], 0) + taken.get(s[1], 0))
        session_id, group_id = pool.pop(0)
        taken[group_id] = taken.get(group_id, 0) + 1
        result.append(session_id)
    return result
