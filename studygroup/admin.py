from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin

from studygroup import audit, rollup_marks, services
from studygroup.models import (
    AuditEntry,
    DirtyRollup,
    FormReceipt,
    JobClaim,
    JobLease,
    Membership,
    Notification,
    Organization,
    OutboxMessage,
    Person,
    RoleGrant,
    StudyGroup,
    Tick,
    User,
)


class AuditedAdminMixin:
    """Log what the Django admin writes, which calls no service: records saved or deleted, rows of its inlines."""

    def save_model(self, request, obj, form, change):
        before = audit.stored(obj) if change else None
        if change:  # the month it leaves, if its date moves
            rollup_marks.mark_record(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        rollup_marks.mark_record(obj)
        if change:
            audit.record(AuditEntry.Action.UPDATE, obj, by=request.user, before=before)
        else:
            audit.record(AuditEntry.Action.CREATE, obj, by=request.user)

    def delete_model(self, request, obj):
        rollup_marks.mark_record(obj)
        audit.delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            rollup_marks.mark_record(row)
        audit.delete(queryset, by=request.user)

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            rollup_marks.mark_record(row)
            audit.delete(row, by=request.user)
        for row in rows:
            before = audit.stored(row)
            row.save()
            rollup_marks.mark_record(row)
            if before is None:
                audit.record(AuditEntry.Action.CREATE, row, by=request.user)
            else:
                audit.record(AuditEntry.Action.UPDATE, row, by=request.user, before=before)
        formset.save_m2m()


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


@admin.register(User)
class StudyGroupUserAdmin(AuditedAdminMixin, UserAdmin):
    list_display = ["username", "person", "is_active", "is_staff", "last_login"]
    readonly_fields = ["password_changed_at", "last_login", "date_joined"]
    fieldsets = [*UserAdmin.fieldsets, (None, {"fields": ["password_changed_at"]})]  # type: ignore[misc]

    def user_change_password(self, request, id, form_url=""):
        # The password form saves the user itself, past ``save_model``.
        user = self.get_object(request, unquote(id))
        before = audit.stored(user) if request.method == "POST" else None
        response = super().user_change_password(request, id, form_url)
        if before is not None:
            audit.record(AuditEntry.Action.UPDATE, User.objects.get(pk=user.pk), by=request.user, before=before)  # type: ignore[union-attr]
        return response


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "depth", "path"]
    list_filter = ["kind", "depth"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth"]
    autocomplete_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a subtree would rewrite every path below it: not offered here.
        return [*self.readonly_fields, "parent"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        # The services log the change.
        if change:
            services.organization_update(organization=obj, code=obj.code, name=obj.name, kind=obj.kind, by=request.user)
        else:
            created = services.organization_create(
                code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent, by=request.user
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(StudyGroup)
class StudyGroupAdmin(AuditedAdmin):
    list_display = ["name", "code", "organization", "is_active"]
    search_fields = ["name", "code", "organization__name"]
    autocomplete_fields = ["organization"]
    inlines = [MembershipInline]


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ["name", "post", "organization", "code", "user"]
    search_fields = ["name", "code", "post", "organization__name"]
    autocomplete_fields = ["organization", "user"]
    inlines = [RoleGrantInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["person", "group", "role", "start_on", "end_on"]
    list_filter = ["role"]
    search_fields = ["person__name", "group__name"]
    autocomplete_fields = ["person", "group"]


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedAdmin):
    list_display = ["person", "role", "organization"]
    list_filter = ["role"]
    search_fields = ["person__name", "organization__name"]
    autocomplete_fields = ["person", "organization"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "verb", "title", "read_at"]
    list_filter = ["verb"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient"]


@admin.register(FormReceipt)
class FormReceiptAdmin(admin.ModelAdmin):
    list_display = ["key", "user", "url", "created_at"]
    raw_id_fields = ["user"]


@admin.register(DirtyRollup)
class DirtyRollupAdmin(admin.ModelAdmin):
    list_display = ["group", "year", "month", "marked_at"]
    raw_id_fields = ["group"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The outbox, to read: what waits for the broker and why (``last_error``); the relay does the rest."""

    list_display = ["task_name", "key", "created_at", "attempts", "next_attempt_at", "sent_at", "delivered_at"]
    list_filter = ["task_name"]
    search_fields = ["task_name", "key"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]


@admin.register(Tick)
class TickAdmin(admin.ModelAdmin):
    list_display = ["name", "at"]
    readonly_fields = ["name", "at"]


@admin.register(JobClaim)
class JobClaimAdmin(admin.ModelAdmin):
    list_display = ["key", "holder", "claimed_at"]
    search_fields = ["key"]


@admin.register(JobLease)
class JobLeaseAdmin(admin.ModelAdmin):
    list_display = ["name", "holder", "expires_at"]
