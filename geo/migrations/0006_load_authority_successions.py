"""Load the shipped table of local authority successions, so a new database has it."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from geo.successions import SUCCESSION_FIELDS, SUCCESSIONS_FILE, successions_read

    model = apps.get_model("geo", "AuthoritySuccession")
    rows = successions_read(SUCCESSIONS_FILE.read_text(encoding="utf-8-sig"))
    model.objects.bulk_create(
        model(**{field: getattr(row, field) for field in SUCCESSION_FIELDS}) for row in rows
    )


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("geo", "AuthoritySuccession").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("geo", "0005_authority_succession")]

    operations = [migrations.RunPython(load, unload)]
