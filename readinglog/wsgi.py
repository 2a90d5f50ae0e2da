"""WSGI entry point: `gunicorn readinglog.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglog.settings")

application = get_wsgi_application()
