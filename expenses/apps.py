from django.apps import AppConfig


class ExpensesConfig(AppConfig):
    name = "expenses"

    def ready(self) -> None:
        from django.conf import settings

        from expenses import evidence, figures
        from expenses.retention import purge_money_records
        from expenses.services import purge_pending_receipts
        from hope.retention import RetentionRule, register

        figures.connect()
        evidence.connect()
        register(
            RetentionRule(
                "claims and direct spend, with their receipts",
                f"{settings.RETENTION_MONEY_YEARS} years after the end of their financial "
                "year (HMRC)",
                purge_money_records,
            )
        )
        register(
            RetentionRule(
                "receipts kept after a claim form's mistakes",
                "a day (until the claimant tries again)",
                purge_pending_receipts,
            )
        )
