from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from omnicanal.web import views
from omnicanal.web.api import api
from omnicanal.web.discovery import console_urlpatterns, public_urlpatterns
from omnicanal.web.routing import indexed

app_name_patterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("preferences/", views.preferences, name="preferences"),
]

urlpatterns = [
    path("health", views.health, name="health"),
    path("metrics", views.metrics, name="metrics"),
    indexed("api/", api.urls),  # the routes found by their first segments (web/routing.py)
    path("console/", include((app_name_patterns, "web"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("problems/<slug:slug>", views.problem_type, name="problem-type"),
    path("admin/", admin.site.urls),
]

urlpatterns += public_urlpatterns()

for label, patterns in console_urlpatterns():
    urlpatterns.append(path(f"console/{label}/", include((patterns, label))))

# Without a shop (no storefront app), the site root is the console.
urlpatterns.append(path("", RedirectView.as_view(url="/console/", permanent=False)))

handler404 = "omnicanal.web.views.not_found"
handler500 = "omnicanal.web.views.server_error"
handler403 = "omnicanal.web.views.forbidden"
