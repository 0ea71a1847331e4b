"""The ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os
import warnings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
# WhiteNoise serves static files with a sync iterator; under ASGI Django says so on every file.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

import django  # noqa: E402

django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from omnicanal.web.handler import OmnicanalASGIHandler  # noqa: E402

# Django's ASGIHandler; a provider's webhook in one thread hop (web/handler.py).
django_asgi_app = OmnicanalASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from omnicanal.web.discovery import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns()))),
    }
)
