"""Every write of the practice app, by subject; callers use ``practice.services.<function>``."""

from practice.services.first_topic import measure_add
from practice.services.readings import recommendation_create, recommendation_pick
from practice.services.reporting import (
    ALREADY_DONE,
    session_report,
    spot_check_action,
    spot_check_record,
    spot_draw,
)
from practice.services.selfstudy import (
    PRESET_1112,
    entry_create,
    entry_delete,
    entry_update,
    reminders_send,
    targets_set,
)

__all__ = [
    "ALREADY_DONE",
    "PRESET_1112",
    "entry_create",
    "entry_delete",
    "entry_update",
    "measure_add",
    "recommendation_create",
    "recommendation_pick",
    "reminders_send",
    "session_report",
    "spot_check_action",
    "spot_check_record",
    "spot_draw",
    "targets_set",
]
