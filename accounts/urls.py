from django.urls import path

from accounts import views

urlpatterns = [
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
]
