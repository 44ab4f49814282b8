from django.db import migrations, models


def forget_rollups(apps, schema_editor):
    """Rows stored before this measure say 0 held sessions without attendance, which is not known: drop them,
    so that pages compute live until ``rebuild_rollups`` (nightly, or by hand after the upgrade) writes them."""
    apps.get_model("reports", "Rollup").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_rollup_as_of"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollup",
            name="unregistered_sessions",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(forget_rollups, migrations.RunPython.noop),
    ]
