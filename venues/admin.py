from django.contrib import admin

from venues.models import Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode", "setting", "room_capacity", "hire_cost", "is_active"]
    list_filter = ["setting", "is_active"]
    search_fields = ["name", "postcode"]
