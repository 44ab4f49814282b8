"""Make the audit log append-only in the database, not only in Python.

On PostgreSQL a trigger refuses every UPDATE of an audit entry and every
DELETE of one younger than the retention period (180 days). TRUNCATE, used
only by test database resets, is not a row-level operation and passes.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION studygroup_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit entries cannot be changed';
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit entries are kept for at least 180 days';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER studygroup_audit_append_only
    BEFORE UPDATE OR DELETE ON studygroup_auditentry
    FOR EACH ROW EXECUTE FUNCTION studygroup_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS studygroup_audit_append_only ON studygroup_auditentry;
DROP FUNCTION IF EXISTS studygroup_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("studygroup", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
