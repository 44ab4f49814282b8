from django.contrib import admin

from audits.models import (
    Action,
    ActionChange,
    Checklist,
    ChecklistItem,
    ChecklistStatus,
    Inspection,
    InspectionVerdict,
    ObserverPoolMember,
    ObserverVisit,
    RandomDraw,
    RulesDocument,
    VisitInvitation,
)
from studygroup.admin import AuditedAdmin


@admin.register(ObserverPoolMember)
class ObserverPoolMemberAdmin(AuditedAdmin):
    list_display = ["person", "organization", "is_active"]
    raw_id_fields = ["person", "organization"]


@admin.register(ObserverVisit)
class ObserverVisitAdmin(AuditedAdmin):
    list_display = ["code", "session", "observer", "mode", "pre_review_on", "reported_on", "rating"]
    list_filter = ["mode", "rating"]
    raw_id_fields = ["organization", "session", "observer", "draw"]


@admin.register(RandomDraw)
class RandomDrawAdmin(AuditedAdmin):
    list_display = ["organization", "seed", "at"]
    raw_id_fields = ["organization", "by"]


@admin.register(VisitInvitation)
class VisitInvitationAdmin(AuditedAdmin):
    list_display = ["session", "organization", "status"]
    raw_id_fields = ["session", "organization", "visit"]


@admin.register(RulesDocument)
class RulesDocumentAdmin(AuditedAdmin):
    list_display = ["title", "organization", "adopted_on"]
    raw_id_fields = ["organization"]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(AuditedAdmin):
    list_display = ["code", "name"]
    inlines = [ChecklistItemInline]


class VerdictInline(admin.TabularInline):
    model = InspectionVerdict
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(AuditedAdmin):
    list_display = ["group", "year", "checklist", "inspector", "on"]
    raw_id_fields = ["group", "inspector"]
    inlines = [VerdictInline]


class ActionChangeInline(admin.TabularInline):
    model = ActionChange
    extra = 0
    raw_id_fields = ["by"]


@admin.register(Action)
class ActionAdmin(AuditedAdmin):
    list_display = ["code", "problem", "group", "owner", "due_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["group", "visit", "research", "inspection", "owner", "raised_by"]
    inlines = [ActionChangeInline]


@admin.register(ChecklistStatus)
class ChecklistStatusAdmin(admin.ModelAdmin):
    list_display = ["group", "year", "checklist", "computed_at"]
    raw_id_fields = ["group"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(AuditedAdmin):
    list_display = ["checklist", "code", "name", "order"]


@admin.register(InspectionVerdict)
class InspectionVerdictAdmin(AuditedAdmin):
    list_display = ["inspection", "item", "verdict"]
    raw_id_fields = ["inspection"]


@admin.register(ActionChange)
class ActionChangeAdmin(AuditedAdmin):
    list_display = ["action", "from_status", "to_status", "by", "at"]
    raw_id_fields = ["action", "by"]
