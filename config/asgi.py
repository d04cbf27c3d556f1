import os

from django.core.asgi import get_asgi_application

from config.env import require_production_secret

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
# With DEBUG off, a short DJANGO_SECRET_KEY stops the server here, saying why.
require_production_secret()
