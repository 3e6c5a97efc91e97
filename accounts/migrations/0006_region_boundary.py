import django.contrib.gis.db.models.fields
from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.aggregates import Union
from django.db import migrations
from django.db.models import Func


def fill_region_boundaries(apps, schema_editor):
    """Each region's boundary: the union of its current member LAs' (as
    accounts.selectors.region_boundary_union computes it, on the historical models)."""
    Region = apps.get_model("accounts", "Region")
    Organisation = apps.get_model("accounts", "Organisation")
    for region in Region.objects.all():
        region.boundary = Organisation.objects.filter(
            region=region, kind="la", member_until__isnull=True, area__isnull=False
        ).aggregate(
            boundary=Func(
                Union("area__boundary"),
                function="ST_Multi",
                output_field=MultiPolygonField(srid=4326),
            )
        )["boundary"]
        region.save(update_fields=["boundary"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_auditevent_framework_weight_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="region",
            name="boundary",
            field=django.contrib.gis.db.models.fields.MultiPolygonField(
                blank=True,
                editable=False,
                help_text="The union of the current member local authorities' boundaries.",
                null=True,
                srid=4326,
            ),
        ),
        migrations.RunPython(fill_region_boundaries, migrations.RunPython.noop),
    ]
