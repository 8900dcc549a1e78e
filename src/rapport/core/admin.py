from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from rapport.core import services
from rapport.core.models import ApiToken, AuditEntry, ExchangeRate, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Rapport", {"fields": ("role", "team", "manager", "time_zone", "language", "phone")}))
    list_display = ("username", "email", "role", "team", "manager", "is_active")
    list_filter = ("role", "team", "is_active")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        """A role, staff or superuser flag taken away here ends the user's sessions and tokens, as in the API."""
        before = User.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if before is not None and services.is_downgrade(before=before, after=obj):
            services.user_revoke_credentials(user=obj)

    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        """A password set by an administrator ends the user's API tokens too (the new hash ends sessions)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.filter(pk=id).first()
            if user is not None and user.pk != request.user.pk:
                services.user_revoke_credentials(user=user)
        return response


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name", "slug")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scope", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("key_hash", "prefix")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "record_type", "record_id", "record_repr", "via")
    list_filter = ("action", "record_type", "via")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "rate_to_base", "valid_from")


# The task queue's admin (failed tasks, retry action, workers, outbound email).
from rapport.core.jobs import admin as jobs_admin  # noqa: E402, F401
