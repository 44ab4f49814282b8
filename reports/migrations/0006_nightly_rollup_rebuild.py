"""Rebuild every rollup nightly (the five-minute job rebuilds the groups marked dirty only)."""

from django.db import migrations

NAME = "每晚全量重建看板汇总数据"


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    night, _created = Crontab.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME, defaults={"task": "reports.rebuild_rollups", "crontab": night, "enabled": True}
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_rollup_schedule"), ("studygroup", "0009_dirtyrollup")]
    operations = [migrations.RunPython(create, remove)]
