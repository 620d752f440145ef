"""Settings for the town FAQ chatbot, driven by environment variables.

Every external part has an embedded default that needs no setup; the
variables documented in `.env.example` point it at a scale-out engine.
"""

import datetime
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]

# e5's C engine runs OpenMP threads that spin while idle by default; beside web
# workers and other encoders they take the cores the next question needs.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use DJANGO_SECRET_KEY, or a random key kept in DATA_DIR.

    A single-machine installation then needs no set-up step, and sessions
    survive restarts because the generated key is stored, not regenerated.
    """
    configured = env.str("DJANGO_SECRET_KEY", default="")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Served over HTTPS (any real deployment): secure cookies, HTTPS redirect and
# HSTS. `manage.py check --deploy --fail-level WARNING` passes with
# DJANGO_DEBUG=false, DJANGO_HTTPS=true and a DJANGO_SECRET_KEY.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=HTTPS)
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "simple_history",
    "django_q",
    "chatbot",
    "faq",
    "analytics",
    "changeflow",
    "chatbot.project.login_lockout.LoginLockoutConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chatbot.project.middleware.ApiBadHostMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chatbot.project.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chatbot.project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chatbot.project.context_processors.town",
                "chatbot.project.context_processors.open_incidents",
            ],
        },
    },
]

WSGI_APPLICATION = "chatbot.project.wsgi.application"
ASGI_APPLICATION = "chatbot.project.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets residents' reads go on while staff write; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    # A server database: each worker thread keeps its connection for a minute instead of opening one per
    # request, and checks it is still alive before reusing it.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"

REDIS_URL = env.str("REDIS_URL", default="")
# The cache holds the chat API's per-client request counts. In one process's memory by default; with
# Redis, every worker on every machine counts against the same limit.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "town-faq"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
Q_CLUSTER: dict[str, object] = {
    "name": "town-faq",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 600,
    "retry": 900,
    "catch_up": False,
    "label": _("Task queue"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Town FAQ chatbot API",
    "DESCRIPTION": "The public chat API: ask a question, send feedback (CONTRACTS section 4).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The answer's and each FAQ entry's language share one enum.
    "ENUM_NAME_OVERRIDES": {"LanguageEnum": "chatbot.api.serializers.LANGUAGES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chatbot.api.serializers.schema_postprocess",
    ],
}

# Public chat API. Sites other than this one that may embed the widget (scheme://host[:port]).
CHAT_ALLOWED_ORIGINS = env.list("CHAT_ALLOWED_ORIGINS", default=[])
CHAT_RATE_LIMIT_PER_MINUTE = env.int("CHAT_RATE_LIMIT_PER_MINUTE", default=60)
CHAT_MAX_BODY_BYTES = env.int("CHAT_MAX_BODY_BYTES", default=16 * 1024)
RATE_LIMIT_TRUST_PROXY = env.bool("RATE_LIMIT_TRUST_PROXY", default=False)
# Reverse proxies in a row in front of the server, each appending to X-Forwarded-For (0: use
# RATE_LIMIT_TRUST_PROXY, which means 1).
RATE_LIMIT_PROXY_COUNT = env.int("RATE_LIMIT_PROXY_COUNT", default=0)
if RATE_LIMIT_PROXY_COUNT < 0:
    raise ImproperlyConfigured("RATE_LIMIT_PROXY_COUNT must be 0 or more")
# GET /metrics (Prometheus): with a token, only `Authorization: Bearer <token>` is served; without one, only
# requests made on this machine (a loopback address, not forwarded by a reverse proxy).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
CORS_ALLOWED_ORIGINS = CHAT_ALLOWED_ORIGINS
CORS_URLS_REGEX = r"^/api/v1/(chat|feedback)$"
CORS_ALLOW_HEADERS = ["content-type", "idempotency-key", "x-chat-client", "accept-language"]
CORS_ALLOW_METHODS = ["POST", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# Content-Security-Policy on every page: nothing from other origins, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

# The town this installation serves; shown on public pages and in admin.
TOWN_NAME = env.str("TOWN_NAME", default="B町")
TOWN_NAME_EN = env.str("TOWN_NAME_EN", default="B Town")

# Retrieval. Encoders by dotted path (EMBEDDING_BACKEND, comma-separated); the
# default pair won on the LocalgovFAQ dev split (see docs/answering.md).
RETRIEVAL_ENCODERS = env.list(
    "EMBEDDING_BACKEND",
    default=["faq.retrieval.encoders.E5SmallEncoder", "faq.retrieval.encoders.UseMultilingualEncoder"],
)
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="")
RETRIEVAL_RANKER = env.str("RETRIEVAL_RANKER", default=str(BASE_DIR / "faq" / "retrieval" / "ranker.json"))
# Where the FAQ vectors are kept: a class by dotted path (`collection(name)`, `collection_names()`). The default,
# chromadb, is embedded under the data directory, or a server when CHROMA_HOST is set.
VECTOR_STORE = env.str("VECTOR_STORE", default="faq.retrieval.vectorstore.ChromaStore")
CHROMA_HOST = env.str("CHROMA_HOST", default="")
CHROMA_PORT = env.int("CHROMA_PORT", default=8000)
CHROMA_PATH = DATA_DIR / "chroma"

# Chat: the longest question accepted (longer ones are refused with a message).
CHAT_MAX_QUESTION_CHARS = env.int("CHAT_MAX_QUESTION_CHARS", default=500)
# The share of residents' questions the FAQ is expected not to answer: the gate's thresholds are chosen for this mix.
GATE_OOS_SHARE = env.float("GATE_OOS_SHARE", default=0.25)

# Change flow: how long a confirmed FAQ stays confirmed, and where links in e-mails point.
FAQ_REVIEW_INTERVAL_DAYS = env.int("FAQ_REVIEW_INTERVAL_DAYS", default=365)
# Without SITE_URL, the address the site is started on (`make run` passes its HOST and PORT as SITE_HOST and
# SITE_PORT); a server listening on every interface is linked through this machine's own address.
_site_host = env.str("SITE_HOST", default="127.0.0.1")
_site_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(_site_host, _site_host)
_site_host = f"[{_site_host}]" if ":" in _site_host and not _site_host.startswith("[") else _site_host
SITE_URL = env.str("SITE_URL", default=f"http://{_site_host}:{env.int('SITE_PORT', default=8000)}")
# E-mail: printed to the console unless EMAIL_URL (e.g. smtp+tls://user:pass@host:587) is set.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(_email.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="faq-noreply@localhost")
LOGIN_URL = "admin:login"

# Staff login lockout (django-axes). LOGIN_FAILURE_LIMIT wrong passwords for one account, or from one client address
# (the chat API's address, with the same proxy settings), lock that account or address out until LOGIN_COOLOFF_MINUTES
# after the last failure; a superuser can unlock earlier in admin. Attempts refused during a lockout are not counted:
# they neither prolong it nor, from a locked address, lock further accounts. A successful login does not reset the
# count (a valid account would otherwise clear its address's failures against other accounts).
# LOGIN_LOCKOUT_PER_ADDRESS=false counts per account only (staff sharing one address behind a NAT).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more")
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
LOGIN_LOCKOUT_PER_ADDRESS = env.bool("LOGIN_LOCKOUT_PER_ADDRESS", default=True)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] if LOGIN_LOCKOUT_PER_ADDRESS else ["username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "chatbot.project.login_lockout.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/login_locked.html"
# No start-up banner on every manage.py command; lockouts are still logged (logger "axes").
AXES_VERBOSE = False

# Answers: the FAQ's own text, or a short LLM reply grounded in it when an
# OpenAI-compatible endpoint is configured (any provider, vLLM, Ollama,
# llama.cpp server). Every reply is checked; any failure gives the FAQ text.
LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
LLM_TIMEOUT_SECONDS = env.float("LLM_TIMEOUT_SECONDS", default=4.0)
LLM_DEADLINE_SECONDS = env.float("LLM_DEADLINE_SECONDS", default=6.0)
LLM_MAX_CONCURRENCY = env.int("LLM_MAX_CONCURRENCY", default=4)
LLM_BREAKER_FAILURES = env.int("LLM_BREAKER_FAILURES", default=5)
LLM_BREAKER_COOLDOWN_SECONDS = env.float("LLM_BREAKER_COOLDOWN_SECONDS", default=30.0)
LLM_MAX_SNIPPETS = env.int("LLM_MAX_SNIPPETS", default=3)
LLM_CONTEXT_CHARS = env.int("LLM_CONTEXT_CHARS", default=1200)
LLM_MAX_ANSWER_CHARS = env.int("LLM_MAX_ANSWER_CHARS", default=400)
LLM_TEMPERATURE = env.float("LLM_TEMPERATURE", default=0.0)
ANSWER_COMPOSER = env.str(
    "ANSWER_COMPOSER",
    default="chatbot.llm.composer.LlmComposer" if LLM_BASE_URL else "chatbot.llm.composer.ExtractiveComposer",
)

# Analytics: unanswered questions are grouped with this encoder (USE is fast
# enough for 100,000 questions a month on two cores) at this cosine similarity
# (0.6 had the best pairwise F1 on the LocalgovFAQ dev split, see docs/answering.md); the
# largest groups of each month are kept; turns older than the retention period
# (whole months before the current one) are deleted, monthly figures are kept.
ANALYTICS_ENCODER = env.str("ANALYTICS_ENCODER", default="faq.retrieval.encoders.UseMultilingualEncoder")
ANALYTICS_CLUSTER_THRESHOLD = env.float("ANALYTICS_CLUSTER_THRESHOLD", default=0.6)
ANALYTICS_CLUSTERS_KEPT = env.int("ANALYTICS_CLUSTERS_KEPT", default=200)
TURN_RETENTION_MONTHS = env.int("TURN_RETENTION_MONTHS", default=13)

# FAQ import limits: a larger file or field is refused with a clear message.
FAQ_IMPORT_MAX_BYTES = env.int("FAQ_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Regression gate: activating a gate or prompt version first evaluates the golden set with and without it, and
# is blocked when the wrong-answer rate rises, or the resolved share falls, by more than these amounts.
REGRESSION_MAX_WRONG_RATE_RISE = env.float("REGRESSION_MAX_WRONG_RATE_RISE", default=0.02)
REGRESSION_MAX_RESOLVED_DROP = env.float("REGRESSION_MAX_RESOLVED_DROP", default=0.02)
# What approving a change request checks first, by dotted path (changeflow calls them; it imports no chat code).
CHANGEFLOW_APPROVAL_CHECKS = ["chatbot.quality.approval.GoldenSetCheck"]

# Monitors (every 5 minutes) and the canary (golden questions through the whole pipeline, every 15 minutes).
# A monitor opens an incident when its last MONITOR_SUSTAINED_CHECKS readings are all breaches, so that one
# blip opens none. Rates are compared with the previous MONITOR_BASELINE_DAYS and need enough turns to count.
MONITOR_SUSTAINED_CHECKS = env.int("MONITOR_SUSTAINED_CHECKS", default=2)
MONITOR_WINDOW_MINUTES = env.int("MONITOR_WINDOW_MINUTES", default=60)
MONITOR_BASELINE_DAYS = env.int("MONITOR_BASELINE_DAYS", default=7)
MONITOR_MIN_TURNS = env.int("MONITOR_MIN_TURNS", default=20)
MONITOR_ANSWER_RATE_DROP = env.float("MONITOR_ANSWER_RATE_DROP", default=0.15)
MONITOR_HANDOFF_RISE = env.float("MONITOR_HANDOFF_RISE", default=0.15)
MONITOR_FEEDBACK_HOURS = env.int("MONITOR_FEEDBACK_HOURS", default=24)
MONITOR_MIN_FEEDBACK = env.int("MONITOR_MIN_FEEDBACK", default=10)
MONITOR_NOT_HELPFUL_RISE = env.float("MONITOR_NOT_HELPFUL_RISE", default=0.20)
MONITOR_LATENCY_MINUTES = env.int("MONITOR_LATENCY_MINUTES", default=15)
MONITOR_LATENCY_P95_MS = env.float("MONITOR_LATENCY_P95_MS", default=2000.0)
MONITOR_MIN_LATENCY_TURNS = env.int("MONITOR_MIN_LATENCY_TURNS", default=10)
MONITOR_LLM_ERROR_RATE = env.float("MONITOR_LLM_ERROR_RATE", default=0.20)
MONITOR_MIN_LLM_TURNS = env.int("MONITOR_MIN_LLM_TURNS", default=5)
MONITOR_INDEX_GRACE_MINUTES = env.int("MONITOR_INDEX_GRACE_MINUTES", default=10)
CANARY_CASES = env.int("CANARY_CASES", default=5)
# Who is e-mailed when an incident opens, besides superusers and staff allowed to change incidents.
INCIDENT_EMAILS = env.list("INCIDENT_EMAILS", default=[])
