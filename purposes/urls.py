from django.urls import path

from purposes import views

urlpatterns = [
    path("", views.purpose_list, name="purpose_list"),
    path("new/", views.purpose_create, name="purpose_create"),
    path("<slug:slug>/", views.purpose_detail, name="purpose_detail"),
    path("<slug:slug>/edit/", views.purpose_edit, name="purpose_edit"),
    path("<slug:slug>/ideas/", views.purpose_idea_list, name="purpose_idea_list"),
    path("<slug:slug>/status/", views.purpose_status, name="purpose_status"),
    path("<slug:slug>/follow/", views.purpose_follow, name="purpose_follow"),
    path("<slug:slug>/goals/new/", views.goal_create, name="goal_create"),
    path("<slug:slug>/goals/<int:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path(
        "<slug:slug>/goals/<int:goal_id>/measurements/new/",
        views.measurement_create,
        name="measurement_create",
    ),
    path("<slug:slug>/goals/<int:goal_id>/chart.svg", views.goal_chart, name="goal_chart"),
    path("<slug:slug>/challenges/new/", views.challenge_create, name="challenge_create"),
]
