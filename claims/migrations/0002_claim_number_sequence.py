from django.db import migrations


class Migration(migrations.Migration):
    """Claim numbers LP<year><7 digits> draw from one sequence: unique without a lock."""

    dependencies = [("claims", "0001_initial")]

    operations = [
        migrations.RunSQL("CREATE SEQUENCE claims_claim_number_seq",
                          "DROP SEQUENCE claims_claim_number_seq"),
    ]
