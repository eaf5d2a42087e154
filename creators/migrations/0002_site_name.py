"""Name the site, so allauth's emails say "relcommerce" rather than "example.com".

Staff set the production domain in admin (Sites); links in emails use the request's host.
"""

from django.db import migrations


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    site, _ = Site.objects.get_or_create(pk=1, defaults={"domain": "127.0.0.1:8000"})
    site.name = "relcommerce"
    if site.domain == "example.com":
        site.domain = "127.0.0.1:8000"
    site.save()


class Migration(migrations.Migration):
    dependencies = [
        ("creators", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
