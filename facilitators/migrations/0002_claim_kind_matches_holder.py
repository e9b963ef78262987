from django.db import migrations


class Migration(migrations.Migration):
    """A claim's slot is always its holder's kind: a composite foreign key, which Django
    cannot declare, so PostgreSQL refuses a workforce facilitator in a lived-experience
    slot however the row is written."""

    dependencies = [("facilitators", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=(
                "ALTER TABLE facilitators_claim "
                "ADD CONSTRAINT facilitators_claim_kind_matches_holder "
                "FOREIGN KEY (facilitator_id, kind) "
                "REFERENCES facilitators_facilitatorprofile (id, kind)"
            ),
            reverse_sql=(
                "ALTER TABLE facilitators_claim "
                "DROP CONSTRAINT facilitators_claim_kind_matches_holder"
            ),
        ),
    ]
