from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from chatbot import api

urlpatterns = [
    path("chat", api.ChatView.as_view(), name="api-chat"),
    path("feedback", api.FeedbackView.as_view(), name="api-feedback"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"", api.not_found),
]
