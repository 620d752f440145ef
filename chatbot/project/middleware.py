from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from chatbot.api.errors import bad_request


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are in Japanese unless the visitor chose another language.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a
    town's page could open in English on an English-configured PC at the town
    hall; here only an explicit choice (the language cookie, or `lang` in the
    link) counts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.supported = {code for code, _name in settings.LANGUAGES}

    def process_request(self, request: HttpRequest) -> None:
        # A link may choose too (`?lang=en`: an English chat answer's link to its FAQ page).
        chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ApiBadHostMiddleware:
    """A Host header not in ALLOWED_HOSTS on an /api/ path gets the API's JSON 400 at once, with DEBUG on as well
    as off: further on, Django would answer it with its HTML 400 page, or with its debug page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            try:
                request.get_host()
            except DisallowedHost as exc:
                return bad_request(request, exc)
        return self.get_response(request)
