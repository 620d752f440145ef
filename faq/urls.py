from django.urls import path

from faq import views

app_name = "faq"

urlpatterns = [
    path("<int:pk>/", views.faq_detail, name="detail"),
]
