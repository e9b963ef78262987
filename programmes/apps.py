from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes and courses"

    def ready(self) -> None:
        from django.conf import settings

        from hope.retention import RetentionRule, register
        from programmes.retention import anonymise_participants

        register(
            RetentionRule(
                "participants anonymised",
                f"{settings.RETENTION_PARTICIPANT_MONTHS} months after their last course "
                "ended or their last referral was closed",
                anonymise_participants,
            )
        )
