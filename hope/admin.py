from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from hope.models import AuditEvent, Invitation, User
from hope.services import (
    PersonError,
    audit_active_change,
    audit_role_changes,
    check_person_change,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """The same rules as the app (hope.services): who may grant which role, who may
    deactivate whom, and every change on the audit trail."""

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

    def get_readonly_fields(self, request, obj=None):
        # Only an administrator makes administrators: a staff member who may change
        # people could otherwise tick "superuser" on themselves and then grant anything.
        if request.user.is_superuser:
            return ["last_login", "date_joined"]
        return ["is_staff", "is_superuser", "last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        editor = request.user

        class CheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                if not self.instance.pk:
                    return cleaned
                person = User.objects.get(pk=self.instance.pk)
                before = set(person.groups.values_list("name", flat=True))
                after = (
                    {group.name for group in cleaned["groups"]} if "groups" in cleaned else before
                )
                try:
                    check_person_change(
                        person=person,
                        by=editor,
                        added=after - before,
                        removed=before - after,
                        deactivating=person.is_active and cleaned.get("is_active") is False,
                    )
                except PersonError as error:
                    if "workforce or lived experience" in str(error):
                        error = PersonError(
                            "Make someone a facilitator on their page in People, where you "
                            "choose workforce or lived experience."
                        )
                    raise forms.ValidationError(str(error)) from None
                self.hope_roles_before = before
                self.hope_was_active = person.is_active
                return cleaned

        return CheckedForm

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # deactivation ends their sessions
        was_active = getattr(form, "hope_was_active", obj.is_active)
        if change and was_active != obj.is_active:
            audit_active_change(person=obj, active=obj.is_active, by=request.user, where=" (admin)")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        before = getattr(form, "hope_roles_before", set())
        audit_role_changes(
            person=form.instance, added=after - before, removed=before - after, by=request.user
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made, resent and withdrawn in the app, where the rules
    about roles apply. The link's token is never shown."""

    list_display = ["email", "full_name", "roles", "created_at", "expires_at", "accepted_at"]
    search_fields = ["email", "full_name"]
    exclude = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
