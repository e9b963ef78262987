app_name = "programmes"

# Pages arrive with the issues that build this app.
urlpatterns: list = []
