"""
relcommerce settings: one module, configured by environment variables.

With nothing set it runs on the *embedded default* (SQLite file, Celery tasks in-process,
console email, local media, DEBUG on). ``DATABASE_URL`` and ``REDIS_URL`` switch to the
real stack; ``DEBUG=0`` is production and refuses to start without ``SECRET_KEY`` and
``ALLOWED_HOSTS``. Every variable is listed in README.md.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import hashlib
import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core ---------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-relcommerce-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    if not env.str("SECRET_KEY", default=""):
        raise ImproperlyConfigured("DEBUG=0 needs SECRET_KEY: set it to a long random string.")
    if not env.list("ALLOWED_HOSTS", default=[]):
        raise ImproperlyConfigured("DEBUG=0 needs ALLOWED_HOSTS: the host names the site serves.")
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links in emails sent from workers, where there is no request to read it from.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Django's admin, on our staff site: sign-in and two-factor first (relcommerce/admin_site.py).
    "relcommerce.admin_config.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "csp",  # django-csp: its system checks (the policy is CONTENT_SECURITY_POLICY below)
    "core",
    "creators",
    "shops",
    "reviews",
    "relcommerce",  # last: it wires the apps above (relcommerce/apps.py)
]

# The security headers (nosniff, Referrer-Policy, COOP, HSTS; Permissions-Policy; CSP;
# X-Frame-Options) come first, before WhiteNoise and the plain visitors' page cache
# answer: so static files, replayed cached pages and error pages all carry them
# (docs/architecture.md "Content-Security-Policy and headers").
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.pagecache.PlainVisitorPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "relcommerce.urls"
WSGI_APPLICATION = "relcommerce.wsgi.application"
SITE_ID = 1

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
                "creators.context_processors.creator_profile",
                "creators.context_processors.notification_bell",
                "shops.context_processors.cart",
                "core.context_processors.page_cache",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# Embedded default: a SQLite file in WAL mode with IMMEDIATE transactions, so concurrent
# writers queue on the lock (for up to `timeout` seconds) instead of failing.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'relcommerce.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Cache and Celery ---------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
# One REDIS_URL serves broker and cache. Without it, tasks run in-process (eagerly).
REDIS_URL = env.str("REDIS_URL", default="")

# Redis down or frozen must cost a request at most one short wait, never an error: these
# socket timeouts (seconds) apply to the cache and to publishing tasks; the cache then
# answers without Redis for CACHE_RETRY_AFTER seconds before trying again (core/cache.py).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.3)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.3)
CACHE_RETRY_AFTER = env.float("CACHE_RETRY_AFTER", default=3.0)
# Cache keys kept in each process's memory while Redis is unreachable, so they still hold
# per process: our rate limits (core/ratelimits.py), allauth's (and the lock allauth takes
# around them: without it every sign-in would be refused with a 429), once-a-day
# share-visit markers (shops/referrals.py). Never anything shared, like page-cache tokens.
CACHE_LOCAL_FALLBACK_PREFIXES = ["ratelimit:", "allauth:rl:", "share:visit:"]

# The embedded default's worker (`make run`, docs/architecture.md "Configuration modes"):
# without Redis, this folder holds the tasks queued for the Celery worker (with beat) that
# `make run` starts beside the web server — kombu's filesystem transport, no server — and
# the cache both processes share (a page published by the worker must reach the web
# server's page cache). Empty (a lone `manage.py runserver`, commands, tests): tasks run
# in-process and nothing periodic runs.
EMBEDDED_WORKER_DIR = "" if REDIS_URL else env.str("EMBEDDED_WORKER_DIR", default="")
if EMBEDDED_WORKER_DIR:
    EMBEDDED_WORKER_DIR = BASE_DIR / EMBEDDED_WORKER_DIR  # relative to the project
    for folder in ("broker", "broker-control", "cache"):
        (EMBEDDED_WORKER_DIR / folder).mkdir(parents=True, exist_ok=True)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, failing open
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "relcommerce",
            "OPTIONS": {
                # Passed to redis-py's ConnectionPool.
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "LOCAL_FALLBACK_PREFIXES": CACHE_LOCAL_FALLBACK_PREFIXES,
            },
        }
    }
elif EMBEDDED_WORKER_DIR:
    # https://docs.djangoproject.com/en/5.2/topics/cache/#filesystem-caching
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(EMBEDDED_WORKER_DIR / "cache"),
            # Another database (DATABASE_URL) never reads this one's cached pages.
            "KEY_PREFIX": hashlib.sha256(str(DATABASES["default"]["NAME"]).encode()).hexdigest()[
                :12
            ],
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages (home, catalog, creator and product pages) are replayed from the cache for
# everyone but their owner, and invalidated on every change (core/pagecache.py).
# Entries expire after this many seconds anyway; 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or EMBEDDED_WORKER_DIR)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Redis redelivers an unacknowledged task after the visibility timeout: keep it well
# above the longest task so a slow task is not run twice while still running.
# The longest task is bounded by CELERY_TASK_TIME_LIMIT (300 s); fan-out chunks take a
# second or two. Lower it only to make a test recover a killed worker's tasks sooner.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=3600),
    # A publish during a request must not wait on a frozen Redis (core/tasks.py).
    # Workers are unaffected: they wait for tasks with BRPOP in kombu's event loop,
    # which no socket timeout applies to.
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    # Connecting (again) to publish is tried once: kombu would otherwise retry for
    # CELERY_BROKER_CONNECTION_TIMEOUT, sleeping 2 s in between. Publishes that retry
    # (inside tasks) bring their own max_retries (CELERY_TASK_PUBLISH_RETRY_POLICY).
    "max_retries": 0,
}
if EMBEDDED_WORKER_DIR:
    # Messages are files in broker/ (written whole, then renamed in: core/filesystem_broker.py);
    # the worker looks for new ones every `polling_interval` seconds.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "core.filesystem_broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(EMBEDDED_WORKER_DIR / "broker"),
        "data_folder_out": str(EMBEDDED_WORKER_DIR / "broker"),
        "control_folder": str(EMBEDDED_WORKER_DIR / "broker-control"),
        "polling_interval": 0.2,
    }
    CELERY_BEAT_SCHEDULE_FILENAME = str(EMBEDDED_WORKER_DIR / "celerybeat-schedule")
# Publishing happens in on_commit hooks during requests: when the broker is down, give
# up fast (the sweeper re-enqueues the event later) rather than hang the request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# After a publish fails, this process does not try the broker again for this long
# (core/tasks.py): requests don't wait on a broker that just failed; the sweeper catches up.
BROKER_RETRY_AFTER = env.float("BROKER_RETRY_AFTER", default=5.0)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues: events (dispatch, sweeper), fanout (follower chunks, so a big fan-out never
# holds up single-recipient events), email (every outgoing email), rollups (the metrics
# roll-up, creators/rollup.py). Workers consume all of them
# (docker-compose.yml, `make worker`); separate workers per queue scale them apart.
CELERY_TASK_ROUTES = {
    "creators.tasks.event_dispatch_task": {"queue": "events"},
    "creators.tasks.events_sweep_undispatched_task": {"queue": "events"},
    "reviews.tasks.review_request_send_task": {"queue": "email"},
    "creators.tasks.notifications_fanout_chunk_task": {"queue": "fanout"},
    "creators.tasks.notification_email_send_task": {"queue": "email"},
    "creators.tasks.notification_digest_send_task": {"queue": "email"},
    "creators.tasks.notification_digests_send_task": {"queue": "email"},
    "creators.tasks.metrics_rollup_task": {"queue": "rollups"},
    "creators.tasks.fan_badges_rebuild_task": {"queue": "rollups"},
    "creators.tasks.metrics_live_rollup_task": {"queue": "rollups"},
}
# Live metrics (creators/rollup.py, rollup_live): an event's creator has their rows brought
# up to date this many seconds after it is dispatched — one run per creator per window,
# however many events (0: only the hourly run). A run that finds another roll-up holding
# the lock tries again after METRICS_LIVE_RETRY_SECONDS.
METRICS_LIVE_SECONDS = env.float("METRICS_LIVE_SECONDS", default=10)
METRICS_LIVE_RETRY_SECONDS = 2
CELERY_BEAT_SCHEDULE = {
    "sweep-undispatched-events": {
        "task": "creators.tasks.events_sweep_undispatched_task",
        "schedule": timedelta(seconds=env.int("EVENT_SWEEP_INTERVAL_SECONDS", default=60)),
    },
    # Relationship metrics: incremental from a watermark, safe to repeat; one run at a
    # time (a run that finds another running leaves the work to the next).
    "rollup-relationship-metrics": {
        "task": "creators.tasks.metrics_rollup_task",
        "schedule": timedelta(minutes=env.int("METRICS_ROLLUP_MINUTES", default=60)),
    },
    # Scheduled posts go live at most this long after their time (one indexed query).
    "publish-scheduled-posts": {
        "task": "creators.tasks.posts_publish_due_task",
        "schedule": timedelta(seconds=15),
    },
    "request-reviews": {
        "task": "reviews.tasks.review_requests_due_task",
        "schedule": timedelta(hours=1),
    },
    "send-notification-digests": {
        "task": "creators.tasks.notification_digests_send_task",
        "schedule": crontab(hour=env.int("NOTIFY_DIGEST_HOUR", default=8), minute=0),
    },
    # Fans' follow anniversaries (creators/milestones.py): daily, before the digest, so
    # digest readers get them the same morning; idempotent, catches up missed days.
    "follow-anniversaries": {
        "task": "creators.tasks.follow_anniversaries_task",
        "schedule": crontab(hour=env.int("FOLLOW_ANNIVERSARY_HOUR", default=7), minute=0),
    },
}
# Fan badges (creators/badges.py, docs/metrics.md "Fan badges"): how many first buyers are
# first supporters; top fans: at most this many, and at most this share of the fans active
# in the window, each with at least the minimum score.
FAN_BADGE_FIRST_SUPPORTERS = env.int("FAN_BADGE_FIRST_SUPPORTERS", default=10)
FAN_BADGE_TOP_FANS = env.int("FAN_BADGE_TOP_FANS", default=10)
FAN_BADGE_TOP_FANS_PERCENT = env.int("FAN_BADGE_TOP_FANS_PERCENT", default=5)
FAN_BADGE_TOP_FANS_DAYS = env.int("FAN_BADGE_TOP_FANS_DAYS", default=90)
FAN_BADGE_TOP_FAN_MIN_SCORE = env.int("FAN_BADGE_TOP_FAN_MIN_SCORE", default=3)
# Thank-you notes (creators/thanks.py): at most this many per creator per UTC day (and
# one per fan per day).
THANK_YOU_DAILY_CAP = env.int("THANK_YOU_DAILY_CAP", default=50)
# Follows per transaction of the daily anniversary job (creators/milestones.py).
FOLLOW_ANNIVERSARY_CHUNK = env.int("FOLLOW_ANNIVERSARY_CHUNK", default=500)
# The outbox (creators/outbox.py): any part of an event's work (its dispatch, a fan-out
# chunk, an immediate email) still unfinished after this long is re-enqueued by the
# sweeper, which beat runs every EVENT_SWEEP_INTERVAL_SECONDS: after a worker is killed
# or Redis restarts empty, everything is delivered within EVENT_SWEEP_AFTER + one interval
# (and the seconds the work takes).
EVENT_SWEEP_AFTER = timedelta(minutes=env.int("EVENT_SWEEP_AFTER_MINUTES", default=5))
# An immediate email is tried at most this many times, EVENT_SWEEP_AFTER apart (about an
# hour of SMTP outage at the defaults), then counted as failed (`manage.py outbox_status`).
NOTIFY_EMAIL_MAX_ATTEMPTS = env.int("NOTIFY_EMAIL_MAX_ATTEMPTS", default=12)
# /healthz says "degraded" when the oldest unfinished outbox work is older than this.
OUTBOX_DEGRADED_AFTER = timedelta(minutes=env.int("OUTBOX_DEGRADED_MINUTES", default=10))
# Days after delivery (or payment, for orders with nothing to ship) that a fan is asked
# for a review (reviews/requests.py).
REVIEW_REQUEST_AFTER_DAYS = env.int("REVIEW_REQUEST_AFTER_DAYS", default=7)
# Followers per fan-out subtask (creators/notifications.py: fanout_chunks).
NOTIFY_FANOUT_CHUNK = env.int("NOTIFY_FANOUT_CHUNK", default=1000)
# How long an email's unsubscribe link keeps working.
NOTIFY_UNSUBSCRIBE_MAX_AGE = timedelta(days=90)

# --- Authentication (django-allauth) ------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
AUTH_USER_MODEL = "creators.User"
# Django's and allauth's backends, loading the header's data with the user.
AUTHENTICATION_BACKENDS = [
    "relcommerce.auth_backends.UserBackend",
    "relcommerce.auth_backends.AllauthUserBackend",
]
# Sessions live in the database only, so signing in, out and every signed-in page work
# while Redis is down. Not `cached_db`: with a cache that fails open it would keep serving
# a copy of a session the database no longer has — a sign-out (or password change) made
# while Redis was unreachable cannot delete the cached copy, which then comes back
# signed in once Redis answers again. Costs one primary-key query per signed-in request,
# written by hand (core/sessions.py: Django's database store, cheaper to read).
# https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-database-backed-sessions
SESSION_ENGINE = "core.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "creators:account"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
if not DEBUG and ACCOUNT_EMAIL_VERIFICATION != "mandatory":
    raise ImproperlyConfigured("Email verification is mandatory when DEBUG=0.")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's sign-up form, answering a sign-up that races another for one email normally.
ACCOUNT_FORMS = {"signup": "creators.forms.SignupForm"}
# Our account adapter: the client's address (core.http.client_ip) and the wrong-password
# limits below (creators/account_adapter.py).
ACCOUNT_ADAPTER = "creators.account_adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so they are visible and tunable.
    "login": "30/m/ip",
    # Wrong two-factor codes, per account (after the right password) and per address.
    "login_failed": "10/m/ip,5/5m/key",
    # Wrong passwords (ours, creators/account_adapter.py). Per account *and* client
    # address: whoever guesses from one address locks only that address out of the
    # account, never its owner elsewhere.
    "login_failed_client": "5/5m/key",
    # Per address, whichever accounts it tries.
    "login_failed_ip": "10/m/ip,100/h/ip",
    # Per account from all addresses: off, because anyone with enough addresses could
    # use it to lock the owner out; e.g. "1000/d/key" stops a botnet's slow guessing.
    "login_failed_account": env.str("LOGIN_FAILED_ACCOUNT_LIMIT", default=""),
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
if ACCOUNT_RATE_LIMITS["login_failed_account"] and not re.fullmatch(
    r"\d+/\d*[smhd]/key(,\d+/\d*[smhd]/key)*", ACCOUNT_RATE_LIMITS["login_failed_account"]
):
    raise ImproperlyConfigured(
        "LOGIN_FAILED_ACCOUNT_LIMIT: write it like 1000/d/key (count/period/key)."
    )
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[relcommerce] "
SOCIALACCOUNT_PROVIDERS: dict = {}
# Two-factor (allauth.mfa): an authenticator app (TOTP) and recovery codes. Staff must
# set it up before admin opens (relcommerce/admin_site.py); anyone else may.
# https://docs.allauth.org/en/latest/mfa/configuration.html
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "relcommerce"
# A code from the step before or after the current one is accepted too (a phone's clock
# a little off, a code typed as it changes); each code still works only once.
MFA_TOTP_TOLERANCE = 1

# --- Email --------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/email/
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds an SMTP connection may block on one operation: a hung mail server must not
# hold an email's claim past EVENT_SWEEP_AFTER (creators/notification_emails.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="relcommerce <hello@relcommerce.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static and media files ---------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/static-files/
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Serve uploaded media from Django itself (fine for one box; use object storage beyond).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# Digital goods: never under MEDIA_URL; reached only through signed download links.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads: the one image validator (core/images.py) enforces these.
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_UPLOAD_MAX_PIXELS = env.int("IMAGE_UPLOAD_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Security -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed when they
# connect to us: core.http.client_ip walks that header back past them to the client's
# address, which rate limits and visitor counts key on. Empty: REMOTE_ADDR is the client
# and X-Forwarded-For is ignored (a client can write anything there).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (e.g. 10.0.0.0/8)."
        ) from None
# Links in emails (verification, reset) use https whenever the site redirects to it.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SECURE_SSL_REDIRECT else "http"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True  # Django's default, stated: downloads rely on it


def _origin(url: str) -> list[str]:
    """The origin of an absolute URL setting (media or static on another host), else []."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content-Security-Policy, enforced (django-csp 4): scripts, styles, images, fonts and
# fetches only from this site (plus `data:` images: allauth's two-factor QR code is one),
# so no inline <script>, no on…= handlers, no javascript: links, no style= attributes or
# <style> blocks (htmx's own indicator style is off: base.html's htmx-config), no eval.
# Forms post only here: a hosted payment gateway or social sign-in that redirects a
# form's POST elsewhere must add its origin to form-action. With DEBUG on, django-csp
# leaves 404 and 500 pages without the header (Django's debug pages are inline).
# https://django-csp.readthedocs.io/en/latest/configuration.html
_STATIC_ORIGIN = _origin(STATIC_URL)
_MEDIA_ORIGIN = _origin(MEDIA_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_STATIC_ORIGIN],
        "style-src": ["'self'", *_STATIC_ORIGIN],
        "img-src": ["'self'", "data:", *_STATIC_ORIGIN, *_MEDIA_ORIGIN],
        "font-src": ["'self'", *_STATIC_ORIGIN],
        "media-src": ["'self'", *_MEDIA_ORIGIN],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy: the browser features no page of ours uses, denied to every frame
# and script. Clipboard (the share panel's Copy button) and WebAuthn keep their default
# (this site only). https://github.com/adamchainz/django-permissions-policy
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
# The health check is probed over plain HTTP by load balancers and compose.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Shop defaults ------------------------------------------------------------------
SHOP_DEFAULT_CURRENCY = env.str("SHOP_DEFAULT_CURRENCY", default="EUR")
# Share links (shops/referrals.py): a purchase this many days after a visit through a
# fan's share link credits that fan (the latest link visited wins).
REFERRAL_WINDOW_DAYS = env.int("REFERRAL_WINDOW_DAYS", default=7)

# --- Logging ------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # In-process tasks would log every run to the console of `make run`, and so
        # would its worker (a task received, run, sent by beat every 15 s); their
        # warnings and errors still show.
        **{
            name: {
                "level": "WARNING" if CELERY_TASK_ALWAYS_EAGER or EMBEDDED_WORKER_DIR else "INFO"
            }
            for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
        },
    },
}
