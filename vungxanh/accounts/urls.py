from django.urls import path

from vungxanh.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/<uuid:public_id>/revoke/", views.token_revoke, name="apitoken-revoke"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<uuid:public_id>/", views.user_detail, name="user-detail"),
    path("users/<uuid:public_id>/edit/", views.user_edit, name="user-edit"),
    path("users/<uuid:public_id>/assignments/", views.assignment_add, name="assignment-add"),
    path("users/<uuid:public_id>/password/", views.user_reset_password, name="user-reset-password"),
    path("users/<uuid:public_id>/unlock/", views.user_unlock, name="user-unlock"),
    path("assignments/<uuid:public_id>/end/", views.assignment_end, name="assignment-end"),
]
