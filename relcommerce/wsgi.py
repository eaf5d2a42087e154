"""WSGI entry point (gunicorn relcommerce.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relcommerce.settings")

application = get_wsgi_application()
