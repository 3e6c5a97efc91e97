from django.db import migrations


class Migration(migrations.Migration):
    """placements_placementoutcome becomes brokerage_placementoutcome, rows and keys kept."""

    dependencies = [
        ('brokerage', '0006_people_to_accounts_outcomes_here'),
    ]

    operations = [
        migrations.AlterModelTable(name='placementoutcome', table=None),
    ]
