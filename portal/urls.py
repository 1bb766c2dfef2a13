from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.records, name="records"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-factor/", views.twofactor_setup, name="twofactor_setup"),
    path("two-factor/verify/", views.twofactor_verify, name="twofactor_verify"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/statement/", views.statement_file, name="statement_file"),
    path("cases/<int:pk>/statements/<int:statement_pk>/", views.statement_receipt_view, name="statement_receipt"),
    path("cases/<int:pk>/objection/", views.objection_file, name="objection_file"),
    path("cases/<int:pk>/appeal/", views.appeal_file, name="appeal_file"),
    path("cases/<int:pk>/repair/", views.repair_apply, name="repair_apply"),
    path("cases/<int:pk>/filings/<int:filing_pk>/", views.filing_receipt, name="filing_receipt"),
    path("cases/<int:pk>/filings/<int:filing_pk>/supplement/", views.filing_supplement, name="filing_supplement"),
    path("cases/<int:pk>/public-statement/", views.public_statement, name="public_statement"),
    path("notices/<int:pk>/download/", views.notice_download, name="notice_download"),
    path("entities/<int:entity_pk>/data/", views.my_data, name="my_data"),
    path("entities/<int:entity_pk>/data.json", views.my_data_json, name="my_data_json"),
    path("entities/<int:entity_pk>/access/", views.access_log, name="access_log"),
    path("staff/entities/<int:entity_pk>/invite/", views.invite, name="invite"),
]
