"""Web pages of the core app (included at the site root by smartcrm/urls.py): settings."""

from django.urls import path

from smartcrm.core import views

app_name = "core"

urlpatterns = [
    path("settings/", views.organisation_settings, name="settings"),
    path("settings/users/", views.members, name="users"),
    path("settings/users/invite/", views.member_invite, name="user-invite"),
    path(
        "settings/invitations/<uuid:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation-withdraw",
    ),
    path("settings/users/<uuid:membership_id>/", views.member_edit, name="user-edit"),
    path(
        "settings/users/<uuid:membership_id>/active/",
        views.member_set_active,
        name="user-active",
    ),
    path(
        "settings/users/<uuid:membership_id>/invite-again/",
        views.member_invite_resend,
        name="user-invite-again",
    ),
    path("settings/departments/", views.departments, name="departments"),
    path("settings/departments/new/", views.department_new, name="department-new"),
    path(
        "settings/departments/<uuid:department_id>/",
        views.department_edit,
        name="department-edit",
    ),
    path(
        "settings/departments/<uuid:department_id>/delete/",
        views.department_delete,
        name="department-delete",
    ),
    path("settings/roles/", views.roles, name="roles"),
    path("settings/roles/new/", views.role_new, name="role-new"),
    path("settings/roles/<uuid:role_id>/", views.role_edit, name="role-edit"),
    path("settings/roles/<uuid:role_id>/delete/", views.role_delete, name="role-delete"),
    path("settings/modules/", views.modules, name="modules"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
