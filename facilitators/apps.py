from django.apps import AppConfig


class FacilitatorsConfig(AppConfig):
    name = "facilitators"

    def ready(self) -> None:
        from django.conf import settings

        from facilitators import receivers  # noqa: F401  (connects the receivers)
        from facilitators.retention import purge_cover_reasons
        from hope.retention import RetentionRule, register

        register(
            RetentionRule(
                "cover reasons cleared",
                f"{settings.RETENTION_REASON_DAYS} days after the session or the answer",
                purge_cover_reasons,
            )
        )
