"""Tests: the same PostGIS and Redis as development, with tasks run eagerly unless a test says not.

The test database is created by pytest-django; Redis uses a separate database number so a
development worker never picks up a test's task.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import CACHE_OPTIONS, REDIS_URL, env  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
REDIS_TEST_URL = env("REDIS_TEST_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/15")
CACHES = {
    "default": {
        "BACKEND": "common.cache.DegradingRedisCache",
        "LOCATION": REDIS_TEST_URL,
        "KEY_PREFIX": "placement-test",
        "OPTIONS": CACHE_OPTIONS,
    }
}
CELERY_BROKER_URL = REDIS_TEST_URL
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
DEMO_DATA_ALLOWED = True
# Static files come straight from static/ (built by `npm run build`), not from collectstatic.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Lets two test runs share one PostgreSQL (e.g. a developer and CI), each with its own database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}  # noqa: F405
