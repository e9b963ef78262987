from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "hope.site"
    label = "hope_site"
    verbose_name = "HOPE Coordinator site"

    def ready(self) -> None:
        from hope.site import figures

        figures.connect()
