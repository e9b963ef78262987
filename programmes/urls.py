from django.urls import path

from programmes.views import courses as views
from programmes.views import register

app_name = "programmes"

urlpatterns = [
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create_view, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/cancel/", views.course_cancel_view, name="course_cancel"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel_view, name="session_cancel"),
    path("sessions/<int:pk>/register/", register.register, name="register"),
    path("sessions/<int:pk>/register/<int:line>/", register.register_mark, name="register_mark"),
    path("calendar/", views.calendar, name="calendar"),
    path("venues/<int:pk>/sessions/", views.venue_sessions, name="venue_sessions"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_form, name="programme_create"),
    path("programmes/<int:pk>/edit/", views.programme_form, name="programme_edit"),
    path("closures/", views.closure_list, name="closure_list"),
    path("closures/<int:pk>/delete/", views.closure_delete, name="closure_delete"),
]
