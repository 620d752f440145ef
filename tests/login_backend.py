"""The test settings' lockout backend: django-axes's, except for Django test client's `Client.login`.

`Client.login(username=..., password=...)` calls `authenticate()` without a request, which axes refuses with an
error; every login through a page (the admin login form, the browser tests) has one and is checked as in production.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class TestClientAxesBackend(AxesStandaloneBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
