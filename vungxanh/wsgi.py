"""WSGI entry point: `gunicorn vungxanh.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vungxanh.settings")
application = get_wsgi_application()
