from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "queueing"
    verbose_name = _("Queue")

    def ready(self) -> None:
        from queueing.roles import ensure_roles

        # Permissions exist only after migrate has run, hence post_migrate.
        post_migrate.connect(ensure_roles, sender=self)
