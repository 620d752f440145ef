from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from chatbot import health, metrics, views

admin.site.site_header = _("Town FAQ administration")
admin.site.site_title = _("Town FAQ administration")
admin.site.index_title = _("Administration")

# JSON under /api/ (a Host header not in ALLOWED_HOSTS included), Django's HTML page elsewhere.
handler400 = "chatbot.api.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("chatbot.api_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("changes/", include("changeflow.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("faq/", include("faq.urls")),
]
