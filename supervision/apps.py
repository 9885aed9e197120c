from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from queueing import broadcast
        from queueing.roles import ensure_roles
        from supervision.broadcast import rating_messages

        # The rating tablet of a desk that just completed a ticket hears of it with the desk's broadcast.
        broadcast.add_messages(rating_messages)

        # The roles hold permissions on this app's models, which exist only after its own migrate.
        post_migrate.connect(ensure_roles, sender=self)
