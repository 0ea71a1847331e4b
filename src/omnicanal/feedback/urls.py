"""Feedback's public routes (mounted at the site root by web.discovery): a published review's photo,
a survey's page from the customer's signed link and the shop's "your reviews" page."""

from django.urls import path

from omnicanal.feedback import answer_pages, shop_pages, views


def public_photo(request, photo_id: str):
    return views.serve_photo(photo_id, published_only=True)


urlpatterns = [
    path("reviews/photos/<str:photo_id>", public_photo, name="feedback-photo"),
    path("s/<str:token>", answer_pages.answer, name="feedback-survey"),
    path("account/reviews/", shop_pages.my_reviews, name="shop-reviews"),
]

from omnicanal.feedback import suggestion_pages  # noqa: E402  (the suggestions box)

urlpatterns += [
    path("suggestions/", suggestion_pages.board, name="shop-suggestions"),
]
