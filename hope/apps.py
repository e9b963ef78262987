from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_role_groups(sender, using="default", **kwargs) -> None:
    """The roles exist after every migrate (and after a test flush)."""
    from django.contrib.auth.models import Group

    from hope.roles import Role

    for role in Role:
        Group.objects.using(using).get_or_create(name=role.value)


class HopeConfig(AppConfig):
    name = "hope"
    verbose_name = "People and accounts"

    def ready(self) -> None:
        from hope import receivers, retention

        post_migrate.connect(create_role_groups, sender=self)
        receivers.connect()
        retention.register_kernel_rules()
