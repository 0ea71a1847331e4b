"""Feedback's public routes (mounted at the site root by web.discovery): a published review's photo."""

from django.urls import path

from omnicanal.feedback import views


def public_photo(request, photo_id: str):
    return views.serve_photo(photo_id, published_only=True)


urlpatterns = [
    path("reviews/photos/<str:photo_id>", public_photo, name="feedback-photo"),
]
