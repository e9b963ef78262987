from django.contrib import admin

from venues.models import Venue, VenuePrice


class VenuePriceInline(admin.TabularInline):
    """Read-only: the history is written when the venue's hire cost is saved."""

    model = VenuePrice
    fields = ["valid_from", "hire_cost", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    inlines = [VenuePriceInline]
    list_display = ["name", "postcode", "setting", "room_capacity", "hire_cost", "is_active"]
    list_filter = ["setting", "is_active"]
    search_fields = ["name", "postcode"]
