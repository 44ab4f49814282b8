from django.contrib import admin

from sessions.models import StudySession


@admin.register(StudySession)
class StudySessionAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "kind", "starts_at", "is_expanded"]
    list_filter = ["kind", "is_expanded", "is_online"]
    search_fields = ["title", "code"]
    raw_id_fields = ["group", "topics"]
    date_hierarchy = "starts_at"
