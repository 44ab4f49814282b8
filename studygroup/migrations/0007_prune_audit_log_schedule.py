"""Prune the audit log of entries past AUDIT_RETENTION_DAYS every night at 03:00 (Asia/Shanghai)."""

from django.db import migrations

NAME = "每日3时清理超过保存期限的审计日志"


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _created = Crontab.objects.get_or_create(
        minute="0", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME, defaults={"task": "studygroup.prune_audit_log", "crontab": schedule, "enabled": True}
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("studygroup", "0006_user_must_change_password"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
