"""Settings shared by every environment, read from the environment (and a local .env file).

Secrets have no defaults here; `local` and `test` supply development-only values.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# Development reads the .env that `make services` writes; production sets DJANGO_READ_DOT_ENV=0
# and takes everything from its real environment.
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The address users reach the service at; used to build links in emails sent by background jobs.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SERVICE_NAME = "Find a placement"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "crispy_forms",
    "crispy_forms_gds",
    "axes",
    "csp",
    # The project's apps, lowest layer first: each imports only the ones above it in this list.
    "geo",
    "accounts",
    "providers",
    "commissioning",
    "placements",
    "brokerage",
    "insight",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "brokerage.context_processors.navigation",
            ],
            "builtins": ["common.templatetags.govuk_dates"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# The cache degrades rather than fails when Redis is down (common/cache.py, docs/faults.md): an
# error is a miss, logged. A Redis that hangs costs at most this long per connection, not the
# client's default of 5 s on every page.
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
CACHE_OPTIONS = {
    "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
    "socket_timeout": CACHE_SOCKET_TIMEOUT,
}
CACHES = {
    "default": {
        "BACKEND": "common.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "placement",
        "OPTIONS": CACHE_OPTIONS,
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "brokerage:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 2)
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# Lockout after repeated failed logins (django-axes): per account, lifted after the cool-off or a
# successful password reset.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "common.ratelimit.client_address"

# How many proxies (load balancer, nginx) sit in front of the app and append to
# X-Forwarded-For: the client's address is read that many hops from the right. 0: REMOTE_ADDR.
# Used by every per-address limit below, by axes' records and by the API's throttles.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Rate limits (common/ratelimit.py; docs/security.md), each "count/period" and counted in Redis.
# Sign-in failures from one client address, whatever the accounts: high, because a council's
# staff share a few egress addresses (above), but it stops one address trying passwords across
# many accounts, which the per-account lockout alone does not.
SIGN_IN_RATE_PER_ADDRESS = env("SIGN_IN_RATE_PER_ADDRESS", default="100/hour")
# Password reset requests: per address typed (whether or not it has an account, so the answer
# says nothing about who has one) and per client address.
PASSWORD_RESET_RATE_PER_EMAIL = env("PASSWORD_RESET_RATE_PER_EMAIL", default="5/hour")
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="30/hour")

SILENCED_SYSTEM_CHECKS = [
    # Lockout is per account on purpose: council staff share a few egress addresses, so locking an
    # address would lock out a whole local authority after one person's mistakes.
    "axes.W006",
    # GDAL 3.6 (Debian 12) cannot block file/network access; spatial input comes only from files
    # an admin names (boundary loads) and from coordinates the app builds itself.
    "gis.W001",
]

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
# Pages, emails and exports write times with common/formats.py ("4:30pm"): Django's formats
# cannot, its "a" gives "p.m.". These are only the fallback for a value shown unformatted (the
# admin), so they use the 24-hour clock rather than "p.m." beside our "pm".
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"

STATIC_URL = "/static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Front-end sources are compiled by `npm run build` into static/dist; only that is served.
WHITENOISE_ROOT = None

# Uploads (docs/faults.md). Form fields other than files: at most 2.5 MB in memory (Django's
# default, said here); an uploaded file past 2.5 MB is spooled to a temporary file, not held in
# memory. An upload past UPLOAD_MAX_BYTES (the largest any form takes: Ofsted's list, 50 MB) is
# refused by common.uploads.UploadLimitHandler without being stored, and its form says so.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "common.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Uploaded files (Ofsted lists awaiting confirmation). Never served to the public.
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
# A mail server that hangs must not hang a worker (which holds the notification's row lock).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Find a placement <noreply@localhost>")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Sending a task fails fast when Redis is down (rather than hang the page); what the task would
# have done is still pending in the database and a periodic sweep queues it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Demo data (seed_demo): never in production. Boundaries come from a folder or URL at run time.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=False)
DEMO_OFSTED = env(
    "DEMO_OFSTED",
    default=str(BASE_DIR.parent / "shared" / "data" / "ofsted" / "provider_at_march_2025.csv"),
)
DEMO_BOUNDARIES = env(
    "DEMO_BOUNDARIES", default=str(BASE_DIR.parent / "shared" / "data" / "boundaries")
)

# Ofsted's provider list, fetched by the scheduled refresh: a URL, a file, or a folder whose
# newest .csv/.xlsx/.ods is used. Empty: no scheduled refresh.
OFSTED_SOURCE = env("OFSTED_SOURCE", default="")

# The provider directory's map: any XYZ tile server and the attribution its licence asks for.
# OpenStreetMap's own tiles suit light use (their tile usage policy); set these to a commercial
# or self-hosted server for heavier use. The page works without tiles: the list comes first.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = env("MAP_ATTRIBUTION", default="© OpenStreetMap contributors")


def _tile_origin(url: str) -> str:
    """The tile server's origin for img-src: "https://{s}.tile.example" allows its subdomains."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts.netloc else ""


# Content-Security-Policy (django-csp; docs/adr/0009-content-security-policy.md). Scripts come only
# from this service's own static files, plus GOV.UK Frontend's one-line inline snippet in
# base.html, which carries the request's nonce: an injected <script> or onerror= never runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # 'unsafe-inline' for styles only: Leaflet and Leaflet-Geoman write style attributes into
        # the markup they build (markers, tooltips, the drawing toolbar), and the API docs page
        # (drf-spectacular) and Django's admin carry inline styles. Styles cannot run script.
        "style-src": [SELF, UNSAFE_INLINE],
        # data: for the images Leaflet-Geoman and Swagger UI embed in their CSS; the map's tiles.
        "img-src": [SELF, "data:", *filter(None, [_tile_origin(MAP_TILE_URL)])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Vacancies: labelled stale after this many days without confirmation, hidden from search after
# the second figure. The reminder goes out a day before a vacancy goes stale.
VACANCY_STALE_DAYS = env.int("VACANCY_STALE_DAYS", default=7)
VACANCY_EXPIRE_DAYS = env.int("VACANCY_EXPIRE_DAYS", default=14)

# Vacancy reminders: emailed this many days before a vacancy turns stale. The one-click links in
# them work for VACANCY_LINK_MAX_AGE_DAYS from the email: by default until three days after the
# vacancy has left search, so a provider back from a few days off can still bring it back.
VACANCY_REMINDER_LEAD_DAYS = env.int("VACANCY_REMINDER_LEAD_DAYS", default=1)
VACANCY_LINK_MAX_AGE_DAYS = env.int(
    "VACANCY_LINK_MAX_AGE_DAYS",
    default=VACANCY_EXPIRE_DAYS - VACANCY_STALE_DAYS + VACANCY_REMINDER_LEAD_DAYS + 3,
)

# The providers' JSON API (providers/api.py): API keys only (no sessions, so no CSRF to think
# about), JSON only, and a request budget per key counted in the cache (Redis) so that every
# web process shares it. Swagger UI's files come from drf-spectacular-sidecar, served by
# WhiteNoise like the rest of static/: nothing is fetched from a CDN.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
# Budgets (providers/api_auth.py's ApiTokenRateThrottle picks one per request): per API key, per
# signed-in person (the session-authenticated endpoints), per client address for requests with
# neither (the schema and docs); the officers' match search has its own, per person. `make load`
# and `make fuzz` raise them through the environment.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/hour")
API_USER_RATE_LIMIT = env("API_USER_RATE_LIMIT", default="600/hour")
API_ANON_RATE_LIMIT = env("API_ANON_RATE_LIMIT", default="60/minute")
API_SEARCH_RATE_LIMIT = env("API_SEARCH_RATE_LIMIT", default="120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["providers.api_auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["providers.api_auth.HasApiToken"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["providers.api_auth.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": API_RATE_LIMIT,
        "api_user": API_USER_RATE_LIMIT,
        "api_anon": API_ANON_RATE_LIMIT,
        "placement_search": API_SEARCH_RATE_LIMIT,
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "providers.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Find a placement: API",
    "DESCRIPTION": (
        "For providers' own systems: keep your settings' eligibility, vacancies and (fostering "
        "agencies) carer households true, and read, answer and ask about the referrals local "
        "authorities send you. Authenticate with an API key a provider admin creates "
        "at /providers/api-tokens/. For local authorities' placement officers: search for one "
        "placement request's matches, signed in to the service (the same search as the page). "
        'Errors are JSON: `{"detail": "…"}`, or for invalid input `{"field": ["message"]}`.'
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to swagger.io's online validator: the docs page talks only to this service.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "Sex": "providers.models.Sex",
        "PlacementKind": "providers.models.PlacementKind",
        "Need": "providers.models.Need",
        "LivingAlongside": "providers.models.LivingAlongside",
        "Communication": "providers.models.Communication",
        "SettingStatus": "providers.models.Setting.Status",
        "VacancyState": "providers.api.VACANCY_STATES",
        "MembershipStatus": "commissioning.models.Membership.Status",
        "ReferralStatus": "brokerage.models.Referral.Status",
        "ReferralState": "brokerage.api.STATES",
    },
}

# Travel time by road (geo/travel.py). TRAVEL_NETWORKS: comma-separated base paths
# `build_road_network` prints (…/<name>/current/<name>.osrm), one per region; each pair is routed
# on the first whose extent covers both points. TRAVEL_NETWORK is the one-network form.
# TRAVEL_OSRM_URLS: `osrm-routed` servers (started with --max-table-size raised), each
# `URL|EXTENT_FILE` (scripts/deploy/osrm-region.sh prints it); TRAVEL_OSRM_URL the one-server form.
# Without any, travel times are straight-line estimates, always labelled "estimated".
TRAVEL_NETWORKS = [n.strip() for n in env.list("TRAVEL_NETWORKS", default=[]) if n.strip()]
TRAVEL_NETWORK = env("TRAVEL_NETWORK", default="")
TRAVEL_OSRM_URLS = [u.strip() for u in env.list("TRAVEL_OSRM_URLS", default=[]) if u.strip()]
TRAVEL_OSRM_URL = env("TRAVEL_OSRM_URL", default="")
TRAVEL_ENGINE = env(
    "TRAVEL_ENGINE",
    default="osrm"
    if TRAVEL_NETWORKS or TRAVEL_NETWORK
    else "osrm_http"
    if TRAVEL_OSRM_URLS or TRAVEL_OSRM_URL
    else "estimate",
)
# How often (seconds) each process looks whether a network's `current` symlink was swapped by a
# rebuild: a rebuilt network is served within this long, without a restart.
TRAVEL_NETWORK_RECHECK_SECONDS = env.float("TRAVEL_NETWORK_RECHECK_SECONDS", default=5.0)
# Extracts (paths or http(s) URLs, comma-separated) that geo.tasks.road_networks_rebuild rebuilds
# weekly when they changed, into ROAD_NETWORKS_DIR/<name>/ (var/osrm/ by default).
ROAD_EXTRACTS = [e.strip() for e in env.list("ROAD_EXTRACTS", default=[]) if e.strip()]
ROAD_NETWORKS_DIR = env("ROAD_NETWORKS_DIR", default=str(BASE_DIR / "var" / "osrm"))
# A downloaded extract larger than this is refused (England's is about 1.4 GB).
ROAD_EXTRACT_MAX_BYTES = env.int("ROAD_EXTRACT_MAX_BYTES", default=3_000_000_000)
ROAD_EXTRACT_TIMEOUT = env.float("ROAD_EXTRACT_TIMEOUT", default=60.0)
TRAVEL_OSRM_TIMEOUT = env.float("TRAVEL_OSRM_TIMEOUT", default=5.0)
# Straight line × 1.3 at 48 km/h (30 mph) is 36.9 km/h of straight-line progress; OSRM's median
# on random Rutland pairs was 35.3 km/h (see geo/travel.py).
TRAVEL_DETOUR_FACTOR = env.float("TRAVEL_DETOUR_FACTOR", default=1.3)
TRAVEL_ESTIMATE_KMH = env.float("TRAVEL_ESTIMATE_KMH", default=48.0)
# How far a road time falls from the estimate: an estimated journey reads as a range, the
# estimate × LOW to the estimate × HIGH ("about 35–65 min (estimated)", geo/journeys.py).
# Measured by scripts/bench/estimate_error.py on the Rutland network: 8,498 ordered pairs of 100
# Rutland postcode locations at least 2 km apart, OSRM's minutes ÷ the estimate's had p10 0.763,
# p25 0.824, p50 0.933, p75 1.077, p90 1.270; shipped as p10 and p90 rounded outward to 0.05.
TRAVEL_ESTIMATE_RANGE_LOW = env.float("TRAVEL_ESTIMATE_RANGE_LOW", default=0.75)
TRAVEL_ESTIMATE_RANGE_HIGH = env.float("TRAVEL_ESTIMATE_RANGE_HIGH", default=1.30)
# A point OSRM must move further than this to reach a road is outside the network: estimated.
TRAVEL_SNAP_MAX_METRES = env.float("TRAVEL_SNAP_MAX_METRES", default=1000.0)
# Origins + destinations per OSRM table request; larger calls are split by destination.
TRAVEL_MAX_TABLE_SIZE = env.int("TRAVEL_MAX_TABLE_SIZE", default=10000)
# No journey by road beats a straight line at this speed (England's national limit, 70 mph):
# search uses it to drop settings that could never be within a travel limit before routing.
TRAVEL_MAX_KMH = env.float("TRAVEL_MAX_KMH", default=113.0)
# Public transport (geo/transit/, docs/public-transport.md). `import_gtfs` compiles each GTFS feed
# into TRANSIT_DIR (one file per feed version); the engine loads it once per process.
TRANSIT_DIR = env("TRANSIT_DIR", default=str(BASE_DIR / "var" / "transit"))
# GTFS zips re-imported every night by geo.tasks.transit_feeds_refresh (comma-separated URLs or
# paths); an unchanged zip is skipped by its hash.
TRANSIT_FEED_URLS = env.list("TRANSIT_FEED_URLS", default=[])
# Walking to and from stops: a stop farther than this in a straight line is not walked to, and a
# point this far from every stop of every feed has "no timetable here". 1 km (about 16 minutes
# estimated) is what a child or carer might reasonably walk to a bus stop; it matches
# TRAVEL_SNAP_MAX_METRES.
TRANSIT_WALK_MAX_METRES = env.float("TRANSIT_WALK_MAX_METRES", default=1000.0)
# Estimated walking (no foot network): straight line x 1.3 at 4.8 km/h (3 mph).
TRANSIT_WALK_DETOUR = env.float("TRANSIT_WALK_DETOUR", default=1.3)
TRANSIT_WALK_KMH = env.float("TRANSIT_WALK_KMH", default=4.8)
# Changes between different stops this close (straight line) are allowed, walked as estimated.
# Fixed when a feed is imported: re-import to change it.
TRANSIT_TRANSFER_MAX_METRES = env.float("TRANSIT_TRANSFER_MAX_METRES", default=400.0)
# Walking all the way counts when quicker than the bus, up to this far (straight line): 2 km is
# about 33 minutes estimated; beyond it "no journey" is the honest answer, not a long walk.
TRANSIT_DIRECT_WALK_MAX_METRES = env.float("TRANSIT_DIRECT_WALK_MAX_METRES", default=2000.0)
# Journeys must arrive within this many minutes of leaving (and the scan reads only this window).
TRANSIT_HORIZON_MINUTES = env.int("TRANSIT_HORIZON_MINUTES", default=240)
# The same search by the same person within this many minutes updates its record rather than
# adding one: the demand record counts searches, not page reloads.
SEARCH_REPEAT_MINUTES = env.int("SEARCH_REPEAT_MINUTES", default=15)
# A provider that has not answered a referral is reminded this many hours before its deadline
# (or half-way, for a deadline closer than twice this).
REFERRAL_REMINDER_HOURS = env.int("REFERRAL_REMINDER_HOURS", default=4)
