"""The Celery app. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relcommerce.settings")

app = Celery("relcommerce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The app `celery.current_app` names in every thread: core/tasks.py enqueues through it.
app.set_default()
