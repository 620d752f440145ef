from django.urls import path

from changeflow import views

app_name = "changeflow"

urlpatterns = [
    path("", views.change_list, name="list"),
    path("new/", views.change_new, name="new"),
    path("new/<slug:kind>/", views.change_create, name="create"),
    path("<int:pk>/", views.change_detail, name="detail"),
    path("reviews/", views.review_list, name="reviews"),
]
