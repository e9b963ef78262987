from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes and courses"

    def ready(self) -> None:
        from django.conf import settings

        from hope.retention import RetentionRule, register
        from programmes import access, participant_forms, reports
        from programmes.retention import (
            anonymise_participants,
            clear_ride_reminders,
            delete_referral_requests,
        )

        reports.connect()
        participant_forms.connect()
        access.connect()
        register(
            RetentionRule(
                "participants anonymised",
                f"{settings.RETENTION_PARTICIPANT_MONTHS} months after their last course "
                "ended or their last referral was closed",
                anonymise_participants,
            )
        )
        register(
            RetentionRule(
                "drivers' pick-up details in reminders",
                "the text of a driver's reminder is cleared 7 days after the session",
                clear_ride_reminders,
            )
        )
        register(
            RetentionRule(
                "requests for a place made on the public pages",
                f"unconfirmed: {settings.SELF_REFERRAL_CONFIRM_HOURS} hours, when the link "
                "expires; confirmed: no details (they move to the participant's record), the "
                "row 7 days",
                delete_referral_requests,
            )
        )
