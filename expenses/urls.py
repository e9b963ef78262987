app_name = "expenses"

# Pages arrive with the issues that build this app.
urlpatterns: list = []
