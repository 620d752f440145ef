from django.urls import path, re_path

from chatbot.api import views as api
from chatbot.api.errors import not_found

urlpatterns = [
    path("chat", api.ChatView.as_view(), name="api-chat"),
    path("feedback", api.FeedbackView.as_view(), name="api-feedback"),
    path("schema", api.SchemaView.as_view(), name="api-schema"),
    re_path(r"", not_found),
]
