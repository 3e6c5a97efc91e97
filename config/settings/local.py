"""Development on one machine: `make services` writes the .env this reads."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# Emails end up as files in var/mail/ for a developer to read. Under `make run` they go through
# Django's SMTP backend, as in production, to a local sink that writes them there
# (scripts/dev/mail_sink.py; scripts/dev/app.sh exports EMAIL_BACKEND, EMAIL_HOST and EMAIL_PORT
# for the web server and worker). Anything else, or if the sink did not start, writes the same
# folder through Django's file backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
# A mail server that stops answering fails the send (the task retries) rather than hanging.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
STATIC_ROOT = None
