"""Production: everything secret or site-specific must come from the environment.

Served over HTTPS only, behind a proxy that sets X-Forwarded-Proto. docs/security.md says what
each header and cookie setting is for; tests/test_security_headers.py checks them on real
responses from these settings.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SITE_URL = env("SITE_URL").rstrip("/")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No other site's window keeps a handle on ours (window.opener), and a popup we open has none.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies: only over HTTPS, out of reach of scripts, not sent on other sites' requests. The
# __Host- prefix makes the browser refuse the cookie unless it is Secure, for this host only
# (no Domain) and for every path, so a subdomain cannot plant a session or CSRF cookie.
# Only a run over plain HTTP on 127.0.0.1 (`make load`, `make fuzz`: scripts/fuzz/scratch.py)
# turns Secure off, with the TLS redirect above; a deployment never sets these.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
# No script of ours reads the CSRF token from its cookie: forms carry it in a hidden field.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# A form may be posted from the service's own origin (SITE_URL, which a proxy may reach under
# another Host) and from any other https origins the environment names (a second host name
# during a move, say): never a plain-http one, and never a wildcard.
_extra_origins = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
if any(not o.startswith("https://") or "*" in o for o in _extra_origins):
    raise ImproperlyConfigured(
        "DJANGO_CSRF_TRUSTED_ORIGINS must be https:// origins, without wildcards."
    )
_site = urlsplit(SITE_URL)
CSRF_TRUSTED_ORIGINS = list(dict.fromkeys([f"{_site.scheme}://{_site.netloc}", *_extra_origins]))

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
