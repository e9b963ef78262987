from django.urls import path

import hope.converters  # noqa: F401  (registers <token:…>)
from facilitators import feed, views

app_name = "facilitators"

urlpatterns = [
    path("sessions/open/", views.board, name="board"),
    path("sessions/mine/", views.my_sessions, name="mine"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/claim/", views.claim_session_view, name="claim_session"),
    path("sessions/<int:pk>/assign/", views.assign_view, name="assign"),
    path("courses/<int:pk>/claim/", views.claim_course_view, name="claim_course"),
    path("claims/<int:pk>/release/", views.release_view, name="release"),
    path("claims/undo/", views.undo_claims_view, name="undo_claims"),
    path("claims/<int:pk>/cover/", views.ask_cover_view, name="ask_cover"),
    path("cover-requests/<int:pk>/accept/", views.accept_cover_view, name="accept_cover"),
    path("cover-requests/<int:pk>/withdraw/", views.withdraw_cover_view, name="withdraw_cover"),
    path("cover/", views.cover_gaps, name="cover_gaps"),
    path("facilitators/", views.facilitator_list, name="facilitator_list"),
    path("facilitators/<int:pk>/", views.facilitator_edit, name="facilitator_edit"),
    path("trainings/<int:pk>/delete/", views.training_delete, name="training_delete"),
    path("profile/", views.my_profile, name="my_profile"),
    path("profile/calendar-address/reset/", views.reset_feed_token, name="reset_feed_token"),
    path("calendar/<token:token>.ics", feed.feed, name="feed"),
]
