from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core infrastructure"

    def ready(self):
        from django.urls import register_converter

        from core.http import IdConverter

        # Before any URLconf is read: every object id in a URL is `<id:…>`.
        register_converter(IdConverter, "id")
