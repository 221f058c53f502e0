from django.urls import path
from orders import views

urlpatterns = [
    path("create", views.create),
    path("place", views.place),
]
