"""Settings for the test suite: the real settings on a throw-away data directory."""

import os
import tempfile

os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="town-faq-test-")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-000000")

from chatbot.project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test database is a file in WAL mode, like production: Django's default
# in-memory SQLite test database fails at once with "database table is locked"
# when a search reads while a rebuild writes in another thread.
# With DATABASE_URL pointing at PostgreSQL, Django creates its own test database there.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(DATA_DIR / "test-db.sqlite3")  # noqa: F405

# Django's test client logs in (Client.login) without a request, which django-axes refuses; logins through the
# login page are still counted and locked out as in production (tests/login_backend.py).
AUTHENTICATION_BACKENDS = ["tests.login_backend.TestClientAxesBackend", *AUTHENTICATION_BACKENDS[1:]]  # noqa: F405
