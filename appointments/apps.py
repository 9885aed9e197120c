from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from appointments import notify, services
        from queueing import broadcast, demo, redeemers
        from queueing import services as queue_services

        # The kiosk's fixed issue path checks a booking in with `appointment_code`.
        redeemers.register("appointment_code", services.check_in)
        # Bookings never checked in become missed at the day change and at each `expire_tickets` run.
        queue_services.DAY_CHANGE_HOOKS.append(services.mark_missed_locked)
        queue_services.PERIODIC_HOOKS.append(services.mark_missed_locked)
        # Booked citizens with a kept number hear when they are 3 ahead and when they are called.
        broadcast.add_messages(notify.queue_alerts)
        # The demo site takes bookings for every type with no lead time (SPEC "demo data (second wave)").
        demo.DEMO_HOOKS.append(services.seed_demo_settings)
