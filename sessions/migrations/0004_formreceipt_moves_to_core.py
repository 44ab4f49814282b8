"""Form receipts now belong to the core (``studygroup.0008``): drop the model from this app's state only.

The table ``study_sessions_formreceipt`` and its rows stay; the core's model uses it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("study_sessions", "0003_makeup_record_and_form_receipt"),
        ("studygroup", "0008_formreceipt"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="FormReceipt")],
            database_operations=[],
        ),
    ]
