"""Web pages of the tasks app (included at the site root by smartcrm/urls.py)."""

from django.urls import path

from smartcrm.tasks import views

app_name = "tasks"

urlpatterns: list = [
    path("tasks/", views.my_tasks, name="my-tasks"),
    path("tasks/team/", views.team_tasks, name="team-tasks"),
    path("tasks/new/", views.task_new, name="task-new"),
    path("tasks/section/<str:parent_kind>/<uuid:parent_id>/", views.section, name="section"),
    path(
        "tasks/section/<str:parent_kind>/<uuid:parent_id>/new/",
        views.task_create,
        name="task-create",
    ),
    path("tasks/<uuid:task_id>/", views.task_detail, name="task"),
    path("tasks/<uuid:task_id>/complete/", views.task_complete, name="task-complete"),
    path("tasks/<uuid:task_id>/status/", views.task_status, name="task-status"),
    path("tasks/<uuid:task_id>/assign/", views.task_assign, name="task-assign"),
    path("tasks/<uuid:task_id>/delete/", views.task_delete, name="task-delete"),
]
