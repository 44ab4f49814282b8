from django.contrib import admin

from assessments.models import (
    Answer,
    KnowledgeTest,
    Question,
    QuestionBank,
    QuestionVersion,
    Sitting,
    SittingDraw,
    Tag,
    TestPart,
    TestQuestion,
)
from studygroup.admin import AuditedAdminMixin


@admin.register(QuestionBank)
class QuestionBankAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization"]
    raw_id_fields = ["organization"]


@admin.register(Tag)
class TagAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "topic", "theme"]
    raw_id_fields = ["organization", "topic", "theme"]


class QuestionVersionInline(admin.TabularInline):
    model = QuestionVersion
    extra = 0
    raw_id_fields = ["created_by"]


@admin.register(Question)
class QuestionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "bank", "is_archived"]
    raw_id_fields = ["bank", "current"]
    inlines = [QuestionVersionInline]


class TestPartInline(admin.TabularInline):
    model = TestPart
    extra = 0
    raw_id_fields = ["question", "bank", "tag"]


class TestQuestionInline(admin.TabularInline):
    model = TestQuestion
    extra = 0
    raw_id_fields = ["version", "part"]


@admin.register(KnowledgeTest)
class KnowledgeTestAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "organization", "held_on", "status", "delivery"]
    list_filter = ["status", "delivery"]
    raw_id_fields = ["organization", "visit", "markers", "created_by"]
    inlines = [TestPartInline, TestQuestionInline]


@admin.register(SittingDraw)
class SittingDrawAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["test", "mode", "amount", "seed", "at"]
    raw_id_fields = ["test", "visit", "by"]


@admin.register(Sitting)
class SittingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["person", "test", "submitted_at", "score"]
    raw_id_fields = ["test", "person", "group", "draw"]


@admin.register(Answer)
class AnswerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["sitting", "question", "points"]
    raw_id_fields = ["sitting", "question", "marked_by"]
