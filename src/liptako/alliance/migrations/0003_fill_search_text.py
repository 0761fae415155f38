from django.db import migrations

from liptako.alliance.search import normalise_for_search


def fill_search_text(apps, schema_editor):
    Organisation = apps.get_model("alliance", "Organisation")
    Person = apps.get_model("alliance", "Person")
    Position = apps.get_model("alliance", "Position")
    for organisation in Organisation.objects.all():
        organisation.search_text = normalise_for_search(organisation.name, organisation.acronym)[:300]
        organisation.save(update_fields=["search_text"])
    for person in Person.objects.all():
        person.search_text = normalise_for_search(
            person.last_name, person.first_name, person.title, person.get_rank_display() or ""
        )[:400]
        person.save(update_fields=["search_text"])
    for position in Position.objects.all():
        position.search_text = normalise_for_search(position.title)[:200]
        position.save(update_fields=["search_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("alliance", "0002_directory_search_and_description"),
    ]

    operations = [migrations.RunPython(fill_search_text, migrations.RunPython.noop)]
