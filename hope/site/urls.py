from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

import hope.converters  # noqa: F401  (registers <token:…>)
from hope import views
from hope.site import views as site

# The admin signs in through allauth, so it shares allauth's rate limits.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "HOPE Coordinator administration"
admin.site.site_title = "HOPE Coordinator admin"

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("ping/", views.ping, name="ping"),
    path("settings/", site.team_settings, name="team_settings"),
    path("messages/", views.message_log, name="message_log"),
    path("account/notices/", views.notice_preferences, name="notice_preferences"),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path(
        "people/invitations/<int:pk>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "people/invitations/<int:pk>/withdraw/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("invitations/<token:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("programmes.urls")),
    path("", include("facilitators.urls")),
    path("", include("venues.urls")),
    path("", include("expenses.urls")),
]
