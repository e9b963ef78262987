from django.urls import path

from venues import views

app_name = "venues"

urlpatterns = [
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_form, name="venue_create"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:pk>/edit/", views.venue_form, name="venue_edit"),
]
