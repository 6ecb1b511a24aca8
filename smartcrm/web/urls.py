from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from smartcrm.web import two_factor, views
from smartcrm.web.forms import (
    StyledPasswordChangeForm,
    StyledPasswordResetForm,
    StyledSetPasswordForm,
)

PASSWORD_PAGES = [
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="web/auth/password_change_form.html",
            form_class=StyledPasswordChangeForm,
            success_url=reverse_lazy("web:password-change-done"),
        ),
        name="password-change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="web/auth/password_change_done.html"
        ),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            template_name="web/auth/password_reset_form.html",
            form_class=StyledPasswordResetForm,
            email_template_name="web/auth/password_reset_email.txt",
            subject_template_name="web/auth/password_reset_subject.txt",
            success_url=reverse_lazy("web:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="web/auth/password_reset_done.html",
            extra_context={"reset_done": True},
        ),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/auth/password_reset_confirm.html",
            form_class=StyledSetPasswordForm,
            success_url=reverse_lazy("web:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/auth/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", two_factor.LoginView.as_view(), name="login"),
    path("login/code/", two_factor.login_code, name="login-code"),
    path("account/two-factor/", two_factor.overview, name="two-factor"),
    path("account/two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("account/two-factor/off/", two_factor.disable, name="two-factor-disable"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/everywhere/", views.log_out_everywhere, name="logout-everywhere"),
    *PASSWORD_PAGES,
    path("org/<slug:slug>/", views.switch_organisation, name="switch-organisation"),
    path("invitations/", views.invitations, name="invitations"),
    path(
        "invitations/<uuid:invitation_id>/<str:answer>",
        views.invitation_answer,
        name="invitation-answer",
    ),
    path("language/", views.set_language, name="set-language"),
    path("search/", views.search, name="search"),
    path("filters/<slug:list_key>/save", views.saved_filter_save, name="saved-filter-save"),
    path(
        "filters/<uuid:saved_filter_id>/delete",
        views.saved_filter_delete,
        name="saved-filter-delete",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("o/", include("smartcrm.outreach.urls")),
]
