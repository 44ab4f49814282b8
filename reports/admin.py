from django.contrib import admin

from reports.models import MonthlyDigest, RecordsImport, Rollup, TaskRun, YearSummary
from studygroup.admin import AuditedAdmin


@admin.register(YearSummary)
class YearSummaryAdmin(AuditedAdmin):
    list_display = ["group", "year", "is_final", "updated_at"]
    raw_id_fields = ["group"]


@admin.register(MonthlyDigest)
class MonthlyDigestAdmin(AuditedAdmin):
    list_display = ["organization", "year", "month", "number", "status", "compiled_at"]
    list_filter = ["status", "year"]
    raw_id_fields = ["organization"]


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "state", "started_at", "finished_at", "done", "total"]
    list_filter = ["name", "state"]
    raw_id_fields = ["organization", "triggered_by"]


@admin.register(Rollup)
class RollupAdmin(admin.ModelAdmin):
    list_display = ["organization", "year", "month", "sessions", "attendance_rows", "built_at"]
    raw_id_fields = ["organization"]


@admin.register(RecordsImport)
class RecordsImportAdmin(admin.ModelAdmin):
    """Records bundles uploaded on the staff page, to read: who, when, the result; the job does the rest."""

    list_display = ["file_name", "organization", "uploaded_by", "created_at", "finished_at", "written"]
    raw_id_fields = ["organization", "uploaded_by", "run"]
    readonly_fields = ["stored_name", "errors", "counts", "written", "finished_at"]
