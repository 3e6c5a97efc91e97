from django.db import migrations


class Migration(migrations.Migration):
    """The adopted tables take their app's name: brokerage_user becomes accounts_user, and so on
    (with the user's groups and permissions tables). Renaming keeps rows, keys and constraints."""

    dependencies = [
        ('accounts', '0001_initial'),
        ('brokerage', '0006_people_to_accounts_outcomes_here'),
    ]

    operations = [
        migrations.AlterModelTable(name=name, table=None)
        for name in ('region', 'organisation', 'user', 'invitation', 'auditevent')
    ]
