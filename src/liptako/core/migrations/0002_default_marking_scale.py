from django.db import migrations

# The default scale of DESIGN.md; a deployment edits it to match what its authority accredits.
DEFAULT_SCALE = [
    ("NP", "Non protégé", "Unprotected", 10, "#2e7d32", True),
    ("DR", "Diffusion restreinte", "Restricted", 20, "#e65100", False),
    ("C", "Confidentiel", "Confidential", 30, "#c62828", False),
]


def create_scale(apps, schema_editor):
    MarkingLevel = apps.get_model("core", "MarkingLevel")
    for code, label, label_en, rank, colour, is_public in DEFAULT_SCALE:
        MarkingLevel.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "label_en": label_en,
                "rank": rank,
                "colour": colour,
                "is_public": is_public,
            },
        )


def remove_scale(apps, schema_editor):
    MarkingLevel = apps.get_model("core", "MarkingLevel")
    MarkingLevel.objects.filter(code__in=[row[0] for row in DEFAULT_SCALE]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_scale, remove_scale)]
