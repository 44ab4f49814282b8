"""Form receipts move from the sessions app to the core (forms that act once serve every app).

State only: the table stays ``study_sessions_formreceipt`` with its rows; ``study_sessions.0004`` drops the
model from the sessions app's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("studygroup", "0007_prune_audit_log_schedule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FormReceipt",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.UUIDField(unique=True, verbose_name="key")),
                        ("url", models.CharField(blank=True, max_length=300, verbose_name="address")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "form receipt",
                        "verbose_name_plural": "form receipts",
                        "db_table": "study_sessions_formreceipt",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
