app_name = "facilitators"

# Pages arrive with the issues that build this app.
urlpatterns: list = []
