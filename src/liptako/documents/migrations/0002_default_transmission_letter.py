"""The default text of the transmission letter to the heads of state (editable afterwards)."""

from django.db import migrations

SUBJECT = "Transmission du {plan_title} (version {version_number}) pour adoption"

BODY = """Excellences,

J'ai l'honneur de porter à votre haute attention le {plan_title}, dans sa version {version_number}, validé le {validation_date} par les autorités habilitées des États membres de l'{alliance}.

Ce document a été examiné et approuvé, pour chacun des États membres, par les signataires suivants :

{signatories}

Chaque approbation a été apposée par signature électronique sur la version figée du plan, identifiée de manière unique par l'empreinte numérique suivante (SHA-256) :

{digest}

Cette empreinte permet à tout destinataire de s'assurer que le texte soumis à votre adoption est rigoureusement identique à celui validé par les États membres.

Aussi ai-je l'honneur de soumettre ce plan à votre haute bienveillance en vue de son adoption.

Je vous prie d'agréer, Excellences, l'expression de ma très haute considération."""

SIGNATURE = "Le Secrétaire permanent"


def create(apps, schema_editor):
    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    LetterTemplate.objects.get_or_create(
        kind="transmission",
        defaults={"subject": SUBJECT, "body": BODY, "signature_block": SIGNATURE},
    )


def remove(apps, schema_editor):
    apps.get_model("documents", "LetterTemplate").objects.filter(kind="transmission").delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
