from django.urls import path

from . import twofactor

app_name = "accounts"

urlpatterns = [
    path("two-factor/", twofactor.verify, name="twofactor_verify"),
    path("two-factor/enrol/", twofactor.enrol, name="twofactor_enrol"),
    path("two-factor/enrol/qr.svg", twofactor.qr_code, name="twofactor_qr"),
]
