"""Settings for the test suite: the real settings on a throw-away data directory."""

import os
import tempfile

os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="town-faq-test-")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-000000")

from chatbot.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
