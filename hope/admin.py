from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from hope.models import AuditEvent, Invitation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["full_name", "pk"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "is_driver"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "roles", "created_at", "expires_at", "accepted_at"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["token", "invited_by", "accepted_at", "accepted_user", "revoked_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "summary"]
    list_select_related = ["actor"]
    list_filter = ["action", "target_type"]
    search_fields = ["summary", "target_id"]

    # The audit trail is append-only, also for administrators.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
