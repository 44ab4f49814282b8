from django.contrib import admin

from sessions.models import (
    Attendance,
    LeaveRequest,
    Lecture,
    MakeUp,
    MinutesAttachment,
    ReviewStep,
    SessionGuest,
    Speech,
    StudySession,
    Submission,
)
from studygroup.admin import AuditedAdmin


@admin.register(StudySession)
class StudySessionAdmin(AuditedAdmin):
    list_display = ["title", "group", "kind", "starts_at", "is_expanded"]
    list_filter = ["kind", "is_expanded", "is_online"]
    search_fields = ["title", "code"]
    raw_id_fields = ["group", "topics"]
    date_hierarchy = "starts_at"


@admin.register(Attendance)
class AttendanceAdmin(AuditedAdmin):
    list_display = ["session", "person", "status", "method", "signed_at"]
    list_filter = ["status", "method"]
    raw_id_fields = ["session", "person", "recorded_by"]


@admin.register(LeaveRequest)
class LeaveRequestAdmin(AuditedAdmin):
    list_display = ["session", "person", "status", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["session", "person", "decided_by"]


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    extra = 0
    raw_id_fields = ["by"]


@admin.register(Submission)
class SubmissionAdmin(AuditedAdmin):
    list_display = ["title", "person", "kind", "status", "submitted_on", "is_recommended"]
    list_filter = ["kind", "status", "is_makeup", "is_recommended"]
    search_fields = ["title", "person__name"]
    raw_id_fields = ["session", "group", "person"]
    inlines = [ReviewStepInline]


@admin.register(Lecture)
class LectureAdmin(AuditedAdmin):
    list_display = ["title", "person", "on", "audience"]
    raw_id_fields = ["group", "person"]


@admin.register(SessionGuest, Speech, MinutesAttachment)
class SessionPartAdmin(AuditedAdmin):
    raw_id_fields = ["session"]


@admin.register(ReviewStep)
class ReviewStepAdmin(AuditedAdmin):
    list_display = ["submission", "action", "by", "at"]
    raw_id_fields = ["submission", "by"]


@admin.register(MakeUp)
class MakeUpAdmin(AuditedAdmin):
    list_display = ["attendance", "on", "method", "given_by"]
    list_filter = ["method"]
    raw_id_fields = ["attendance", "recorded_by"]
