from django.urls import path

from programmes.views import courses as views
from programmes.views import participants, public, register, reports, rides

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
    # The public pages: find a course and ask for a place, without signing in.
    path("find/", public.find, name="find"),
    path("find/refer/", public.find_refer, name="find_refer_any"),
    path("find/sent/", public.find_sent, name="find_sent"),
    path("find/confirm/<token:token>/", public.find_confirm, name="find_confirm"),
    path("find/<int:pk>/", public.find_course, name="find_course"),
    path("find/<int:pk>/refer/", public.find_refer, name="find_refer"),
    # Participants: the coordinators' pages, and each course's list.
    path("referrals/<int:pk>/place/", participants.referral_place, name="referral_place"),
    path("referrals/", participants.referral_list, name="referral_list"),
    path("referrals/new/", participants.referral_create_view, name="referral_create"),
    path("referrals/<int:pk>/status/", participants.referral_status, name="referral_status"),
    path("participants/<int:pk>/", participants.participant_detail, name="participant_detail"),
    path("participants/<int:pk>/edit/", participants.participant_edit, name="participant_edit"),
    path("participants/<int:pk>/places/", participants.place_add, name="place_add"),
    path("places/<int:pk>/withdraw/", participants.place_withdraw_view, name="place_withdraw"),
    path("places/<int:pk>/accept/", participants.offer_accept_view, name="offer_accept"),
    path("places/<int:pk>/decline/", participants.offer_decline_view, name="offer_decline"),
    path("places/<int:pk>/scores/", participants.score_record_view, name="score_record"),
    path("places/<int:pk>/feedback/", participants.feedback_record_view, name="feedback_record"),
    path(
        "courses/<int:pk>/participants/",
        participants.course_participants,
        name="course_participants",
    ),
    # The evidence base: the outcomes report, its CSV and charts, and its thresholds.
    path("reports/outcomes/", reports.outcomes_report_view, name="outcomes_report"),
    path("reports/outcomes/export.csv", reports.outcomes_export, name="outcomes_export"),
    path("reports/outcomes/charts/<slug:name>.svg", reports.outcomes_chart, name="outcomes_chart"),
    path(
        "reports/outcomes/meaningful-change/",
        reports.meaningful_change,
        name="meaningful_change",
    ),
    # Rides: the drivers' board and pages, and the coordinators' list of rides wanted.
    path("rides/", rides.ride_board, name="ride_board"),
    path("rides/mine/", rides.rides_mine, name="rides_mine"),
    path("rides/unmet/", rides.rides_unmet, name="rides_unmet"),
    path("rides/area/", rides.driver_area, name="driver_area"),
    path("rides/<int:pk>/", rides.ride_detail, name="ride_detail"),
    path("rides/<int:pk>/take/", rides.ride_take_view, name="ride_take"),
    path("rides/<int:pk>/assign/", rides.ride_assign_view, name="ride_assign"),
    path("rides/<int:pk>/release/", rides.ride_release_view, name="ride_release"),
    path("rides/<int:pk>/cover/", rides.ride_cover_view, name="ride_cover"),
    path("rides/<int:pk>/arrange/", rides.ride_arrange_view, name="ride_arrange"),
    path("rides/<int:pk>/pickup/", rides.ride_pickup_view, name="ride_pickup"),
]
