from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

# The composition root: every app's pages are included by dotted string, so this package imports no app.

admin.site.site_header = _("Town FAQ administration")
admin.site.site_title = _("Town FAQ administration")
admin.site.index_title = _("Administration")

# JSON under /api/ (a Host header not in ALLOWED_HOSTS included), Django's HTML page elsewhere.
handler400 = "chatbot.api.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("chatbot.api.urls")),
    path("", include("chatbot.urls")),
    path("changes/", include("changeflow.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("faq/", include("faq.urls")),
]
