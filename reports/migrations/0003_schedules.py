"""Create the periodic jobs in django-celery-beat's database scheduler (times in Asia/Shanghai)."""

from django.db import migrations

JOBS = [
    # name, task, crontab (minute, hour, day_of_month, month_of_year)
    ("每月1日6时编制学习专刊", "reports.compile_digests", ("0", "6", "1", "*")),
    ("12月20日起草年终总结", "reports.year_summary_drafts", ("0", "6", "20", "12")),
    ("每日提醒", "reports.daily_reminders", ("0", "8", "*", "*")),
]


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day, month) in JOBS:
        schedule, _created = Crontab.objects.get_or_create(
            minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": schedule, "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[j[0] for j in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_yearsummary_is_final_taskrun_monthlydigest"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
