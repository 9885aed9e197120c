"""An officer's public photo (re-encoded on upload: no metadata is ever served)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from queueing.models import OfficerPhoto

# The URL carries the photo's version, so a new photo is a new URL and the old one may be cached for good.
PHOTO_MAX_AGE = 365 * 24 * 3600


@require_GET
def officer_photo(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    photo = (
        OfficerPhoto.objects.filter(profile_id=pk, profile__public=True, profile__photo_version=version)
        .only("jpeg")
        .first()
    )
    if photo is None:
        raise Http404
    response = HttpResponse(bytes(photo.jpeg), content_type="image/jpeg")
    response["Cache-Control"] = f"public, max-age={PHOTO_MAX_AGE}, immutable"
    return response
