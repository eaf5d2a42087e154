from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _name_site(sender, using="default", **kwargs):
    """Name the default site "relcommerce" (allauth's emails use it) after every migrate —
    and after a test flush, which recreates Django's "example.com" default."""
    from django.contrib.sites.models import Site

    Site.objects.using(using).filter(pk=1, domain="example.com").update(
        name="relcommerce", domain="127.0.0.1:8000"
    )


class CreatorsConfig(AppConfig):
    name = "creators"
    verbose_name = "Creators and relationships"

    def ready(self):
        from core import slots
        from creators import featuring, notification_kinds, page_cache

        post_migrate.connect(_name_site, sender=self, dispatch_uid="creators.name_site")
        page_cache.connect()
        featuring.connect()
        notification_kinds.register()
        # The Studio's sections are one ordered list (core/slots.py): creators' own
        # Followers sits between the shop's Posts (30) and Orders (50).
        slots.link_register(
            "studio",
            url_name="creators:studio_followers",
            title="Followers",
            text="See and search the fans who follow you.",
            order=40,
        )
