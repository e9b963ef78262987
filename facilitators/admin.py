from django.contrib import admin

from facilitators.models import FacilitatorProfile


@admin.register(FacilitatorProfile)
class FacilitatorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "kind"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__full_name", "user__email"]
    raw_id_fields = ["user"]
