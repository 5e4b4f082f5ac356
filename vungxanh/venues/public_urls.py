"""Residents' pages at the site root, with short URLs (a QR code holds the first one)."""

from django.urls import path

from vungxanh.venues import public_views

app_name = "checkin"

urlpatterns = [
    path("q/<str:code>/", public_views.qr_without_signature, name="qr-unsigned"),
    path("q/<str:code>/<str:token>/", public_views.venue_checkin, name="venue-checkin"),
    path("toi/", public_views.my_card, name="my-card"),
    path("dang-ky-dia-diem/", public_views.register_venue, name="venue-register"),
]
