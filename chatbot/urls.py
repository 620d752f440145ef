"""The chat app's own pages: the demo town page with the widget, health checks and the metrics endpoint."""

from django.urls import path

from chatbot import health, views
from chatbot.quality import exposition

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", exposition.metrics_view, name="metrics"),
]
