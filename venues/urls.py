app_name = "venues"

# Pages arrive with the issues that build this app.
urlpatterns: list = []
