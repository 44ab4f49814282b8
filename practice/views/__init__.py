"""Pages of the practice app, by subject; ``urls.py`` reads them from here."""

from practice.views.first_topic import (
    first_topic_ledger_view,
    first_topic_xlsx_view,
    measure_add_view,
)
from practice.views.readings import (
    reading_list_view,
    readings_view,
    recommend_view,
    recommendation_download_view,
    recommendation_view,
)
from practice.views.reporting import (
    calendar_view,
    spot_check_action_view,
    spot_check_view,
    spot_draw_detail_view,
    spot_draw_view,
)
from practice.views.selfstudy import (
    entry_create_view,
    entry_delete_view,
    entry_download_view,
    entry_edit_view,
    group_selfstudy_view,
    my_selfstudy_view,
    plan_targets_view,
    selfstudy_groups_view,
)

__all__ = [
    "calendar_view",
    "entry_create_view",
    "entry_delete_view",
    "entry_download_view",
    "entry_edit_view",
    "first_topic_ledger_view",
    "first_topic_xlsx_view",
    "group_selfstudy_view",
    "measure_add_view",
    "my_selfstudy_view",
    "plan_targets_view",
    "reading_list_view",
    "readings_view",
    "recommend_view",
    "recommendation_download_view",
    "recommendation_view",
    "selfstudy_groups_view",
    "spot_check_action_view",
    "spot_check_view",
    "spot_draw_detail_view",
    "spot_draw_view",
]
