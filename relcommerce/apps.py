from django.apps import AppConfig


class RelcommerceConfig(AppConfig):
    """The wiring layer: installed after the apps it wires."""

    name = "relcommerce"
    verbose_name = "relcommerce"

    def ready(self):
        from core import pagecache
        from relcommerce.celery import app

        # The cached home page's call to open a shop: not for those who have one.
        pagecache.register_hole("partials/home_sell.html")

        # Every app's tasks module, registered now in every process (web ones too):
        # services enqueue tasks by name (core/tasks.py) and never import them.
        app.autodiscover_tasks(force=True)
