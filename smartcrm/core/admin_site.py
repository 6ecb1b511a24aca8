"""The Django admin is for superusers (maintenance), not the product UI."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    site_header = "SmartCRM — administration"
    site_title = "SmartCRM admin"

    def login(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """The admin's login counts failures like the product's (its form is found here:
        this module loads with the app registry, before the forms can)."""
        from smartcrm.web.forms import GuardedAdminLogin

        self.login_form = GuardedAdminLogin
        return super().login(request, extra_context)

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class SmartCRMAdminConfig(AdminConfig):
    default_site = "smartcrm.core.admin_site.SuperuserAdminSite"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Domain rows are written by the services only; the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
