"""Supervision's refusals, in the queue's error shape (`queueing.apikit` turns them into JSON)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from queueing.errors import Conflict


class AlreadyRated(Conflict):
    code = "already_rated"
    default_message = _("This visit has already been rated. Thank you.")


class RatingExpired(Conflict):
    code = "rating_expired"
    default_message = _("The time to rate this visit on the tablet has passed; you can still rate it on your phone.")
