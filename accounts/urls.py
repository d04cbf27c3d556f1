from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import email_change, signin_link, views
from accounts.password_reset import ThrottledPasswordResetView

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView accepts POST only.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/link/", signin_link.request_link, name="signin_link"),
    path("login/link/<str:token>/", signin_link.use_link, name="signin_link_use"),
    path("email/confirm/<str:token>/", email_change.confirm, name="email_change_confirm"),
    # profile/: tracker/views/profile.py (it shows the targets the intake rules set).
    path("delete/", views.delete_account, name="delete_account"),
    path(
        "password/change/",
        email_change.PasswordChangeView.as_view(success_url="/accounts/password/change/done/"),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
