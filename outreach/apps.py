from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def data_keys_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: outreach's personal data must not be encrypted with a key derived from SECRET_KEY."""
    from django.conf import settings

    if settings.COUNTER_DATA_KEYS:
        return []
    return [
        checks.Warning(
            "COUNTER_DATA_KEYS is empty: names, numbers and addresses of home-visit requests are encrypted "
            "with a key derived from SECRET_KEY.",
            hint="Set COUNTER_DATA_KEYS to a Fernet key (see README, Configuration) and keep it out of backups.",
            id="outreach.W001",
        )
    ]


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        checks.register(data_keys_check, checks.Tags.security, deploy=True)
