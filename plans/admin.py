from django.contrib import admin

from plans.models import (
    Material,
    PlanComment,
    PlanMonth,
    PlanRevision,
    PlanTopic,
    ResearchReport,
    ResearchTopic,
    StudyConfirmation,
    StudyPlan,
)
from studygroup.admin import AuditedAdmin


class PlanMonthInline(admin.TabularInline):
    model = PlanMonth
    extra = 0


class PlanTopicInline(admin.TabularInline):
    model = PlanTopic
    extra = 0
    raw_id_fields = ["lead"]


@admin.register(StudyPlan)
class StudyPlanAdmin(AuditedAdmin):
    list_display = ["group", "year", "status", "approved_at", "filed_at"]
    list_filter = ["status", "year"]
    search_fields = ["group__name", "group__organization__name"]
    raw_id_fields = ["group", "submitted_by", "approved_by"]
    inlines = [PlanMonthInline, PlanTopicInline]


@admin.register(PlanTopic)
class PlanTopicAdmin(AuditedAdmin):
    list_display = ["title", "plan", "month", "source", "is_supplementary"]
    list_filter = ["source", "is_supplementary"]
    search_fields = ["title", "code"]
    raw_id_fields = ["plan", "lead"]


@admin.register(PlanRevision, PlanComment)
class PlanNoteAdmin(AuditedAdmin):
    list_display = ["plan", "at"]
    raw_id_fields = ["plan"]


@admin.register(Material)
class MaterialAdmin(AuditedAdmin):
    list_display = ["title", "group", "kind", "session", "published_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    raw_id_fields = ["group", "topic", "session"]


@admin.register(StudyConfirmation)
class StudyConfirmationAdmin(admin.ModelAdmin):
    list_display = ["material", "person", "confirmed_at"]
    raw_id_fields = ["material", "person"]


@admin.register(ResearchTopic)
class ResearchTopicAdmin(AuditedAdmin):
    list_display = ["title", "group", "year", "owner"]
    list_filter = ["year"]
    search_fields = ["title", "code"]
    raw_id_fields = ["group", "owner", "proposed_by", "co_researchers"]


@admin.register(ResearchReport)
class ResearchReportAdmin(AuditedAdmin):
    list_display = ["title", "topic", "submitted_on", "submitted_by"]
    raw_id_fields = ["topic", "submitted_by"]


@admin.register(PlanMonth)
class PlanMonthAdmin(AuditedAdmin):
    list_display = ["plan", "month", "theme"]
    raw_id_fields = ["plan"]
