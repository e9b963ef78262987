from django.contrib import admin

from programmes.models import ClosureDate, Course, Programme, Session


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "sessions_per_course", "session_length", "delivery", "is_active"]


@admin.register(ClosureDate)
class ClosureDateAdmin(admin.ModelAdmin):
    list_display = ["date", "reason", "venue"]
    list_select_related = ["venue"]


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    raw_id_fields = ["venue"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "venue", "capacity", "status"]
    list_select_related = ["programme", "venue"]
    list_filter = ["status", "programme"]
    search_fields = ["title"]
    inlines = [SessionInline]
