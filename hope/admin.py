from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from hope.audit import audit_record
from hope.models import AuditEvent, Invitation, User
from hope.services import PersonError, audit_role_changes, check_role_change


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The same rules as the app: who may grant Finance lead, and every change audited."""

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

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        editor = request.user

        class CheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if "groups" in cleaned and self.instance.pk:
                    before = set(self.instance.groups.values_list("name", flat=True))
                    after = {group.name for group in cleaned["groups"]}
                    try:
                        check_role_change(by=editor, added=after - before, removed=before - after)
                    except PersonError as error:
                        raise forms.ValidationError(str(error)) from None
                return cleaned

        return CheckedForm

    def save_model(self, request, obj, form, change):
        # On the form, not on this admin object, which every request shares.
        form.hope_roles_before = (
            set(User.objects.get(pk=obj.pk).groups.values_list("name", flat=True))
            if change
            else set()
        )
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if change and was_active != obj.is_active:
            audit_record(
                actor=request.user,
                action="person.reactivated" if obj.is_active else "person.deactivated",
                target=obj,
                summary=f"{'Reactivated' if obj.is_active else 'Deactivated'} the account of "
                f"{obj.email} in the admin",
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        before = getattr(form, "hope_roles_before", set())
        audit_role_changes(
            person=form.instance, added=after - before, removed=before - after, by=request.user
        )


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
