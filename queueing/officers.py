"""Officers' public profiles (警务公开): their photos, and the card screens show for the officer on duty.

A photo is decoded and re-encoded with Pillow on upload: turned upright by
its EXIF orientation, shrunk to at most PHOTO_SIDE pixels, and saved as a
plain JPEG. Nothing of the camera's metadata (EXIF, GPS position, XMP,
thumbnails) survives, because only the pixels are written back.
"""

from __future__ import annotations

import io
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from queueing.errors import InvalidRequest
from queueing.models import Desk, OfficerPhoto, Site, StaffProfile

PHOTO_SIDE = 480
# A phone photo is 12–50 megapixels; anything far larger is a decompression bomb, not a portrait.
MAX_PIXELS = 80_000_000


def clean_photo(source: IO[bytes]) -> bytes:
    """The photo as a small JPEG without metadata; InvalidRequest when it is not an image."""
    try:
        with Image.open(source) as image:
            if image.width * image.height > MAX_PIXELS:
                raise InvalidRequest(_("The photo is too large."))
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidRequest(_("The file is not a photo we can read (JPEG, PNG or WebP).")) from exc
    upright.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


@transaction.atomic
def set_officer_photo(*, profile: StaffProfile, source: IO[bytes] | None) -> StaffProfile:
    """Replace (or, with None, remove) an officer's photo; the version in its URL moves on either way."""
    locked = StaffProfile.objects.select_for_update().get(pk=profile.pk)
    if source is None:
        OfficerPhoto.objects.filter(profile=locked).delete()
        locked.photo_version = 0
    else:
        jpeg = clean_photo(source)
        OfficerPhoto.objects.update_or_create(profile=locked, defaults={"jpeg": jpeg, "updated_at": timezone.now()})
        locked.photo_version += 1
    locked.save(update_fields=["photo_version"])
    profile.photo_version = locked.photo_version
    return profile


@transaction.atomic
def set_names_public(*, site: Site, public: bool) -> None:
    """The supervisor's choice: officers' display names on public screens, or their police numbers only."""
    Site.objects.filter(pk=site.pk).update(officer_names_public=public)
    site.officer_names_public = public


def on_duty(desk: Desk) -> dict[str, Any] | None:
    """The public card of the officer signed in at the desk, or None (nobody, or no public profile)."""
    if desk.officer_id is None or desk.officer is None:
        return None
    try:
        profile = desk.officer.staff
    except StaffProfile.DoesNotExist:
        return None
    return profile.public_card(names_public=desk.site.officer_names_public)
