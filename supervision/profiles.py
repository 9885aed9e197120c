"""Officers as the public sees them (警务公开): a display name where the site allows it, the police number.

Account user names never leave this module for a public page: an officer
without a public profile is "an officer of desk N", never "officer1".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from queueing.models import Site, StaffProfile, Ticket


def card(profile: StaffProfile | None, site: Site) -> dict[str, Any] | None:
    return None if profile is None else profile.public_card(names_public=site.officer_names_public)


def card_label(card: dict[str, Any] | None) -> str:
    """ "张三 · 警号 012345", "警号 012345", or "" for an officer the public may not see."""
    if not card:
        return ""
    parts = []
    if card.get("name"):
        parts.append(card["name"])
    if card.get("police_number"):
        parts.append(_("Police no. %(number)s") % {"number": card["police_number"]})
    return " · ".join(parts)


def profile_of(user: User | None) -> StaffProfile | None:
    if user is None:
        return None
    return StaffProfile.objects.filter(user=user).first()


def served_by(ticket: Ticket) -> str:
    """Whom the citizen is rating: the officer who served the ticket, as the public may see them."""
    officer = ticket.officer
    label = card_label(card(profile_of(officer), ticket.site)) if officer is not None else ""
    if not label:
        return ""
    return _("You are rating the service of %(officer)s") % {"officer": label}


def public_labels(site: Site, user_ids: set[int]) -> dict[int, str]:
    """The public label of each officer of the set; officers without a public profile are left out."""
    profiles = StaffProfile.objects.filter(user_id__in=user_ids)
    labels = {p.user_id: card_label(card(p, site)) for p in profiles}
    return {pk: label for pk, label in labels.items() if label}
