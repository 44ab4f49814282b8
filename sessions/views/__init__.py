"""Pages of the sessions app, one module per subject; ``urls.py`` finds every view here."""

from sessions.views.attendance import attendance_view
from sessions.views.leave import leave_ask_view, leave_decide_view, makeup_list_view, makeup_record_view
from sessions.views.lectures import lecture_create_view, lecture_list_view
from sessions.views.minutes import attachment_add_view, attachment_download_view, circular_view, minutes_view
from sessions.views.my_study import my_study_view
from sessions.views.sessions import (
    session_create_view,
    session_detail_view,
    session_edit_view,
    session_list_view,
    session_plan_download_view,
)
from sessions.views.sign_in import signin_screen_view, signin_view
from sessions.views.submissions import (
    reviewer_view,
    submission_create_view,
    submission_detail_view,
    submission_download_view,
    submission_edit_view,
    submission_list_view,
    submission_recommend_view,
    submission_review_view,
    submission_submit_view,
)

__all__ = [
    "attachment_add_view",
    "attachment_download_view",
    "attendance_view",
    "circular_view",
    "leave_ask_view",
    "leave_decide_view",
    "lecture_create_view",
    "lecture_list_view",
    "makeup_list_view",
    "makeup_record_view",
    "minutes_view",
    "my_study_view",
    "reviewer_view",
    "session_create_view",
    "session_detail_view",
    "session_edit_view",
    "session_list_view",
    "session_plan_download_view",
    "signin_screen_view",
    "signin_view",
    "submission_create_view",
    "submission_detail_view",
    "submission_download_view",
    "submission_edit_view",
    "submission_list_view",
    "submission_recommend_view",
    "submission_review_view",
    "submission_submit_view",
]
