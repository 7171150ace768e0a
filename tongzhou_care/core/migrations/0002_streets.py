from django.db import migrations


def load(apps, schema_editor):
    from tongzhou_care.core.streets import load_streets

    load_streets(apps.get_model("core", "Street"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
