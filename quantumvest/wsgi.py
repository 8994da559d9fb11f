import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantumvest.settings")
# Under WSGI a worker serves every request from the same thread, so keeping its database connection
# for the next request is safe and spares a connection set-up per request (prices API: 238 against
# 112 requests a second in bench/prices_api.py --server wsgi). The settings' default is 0 for ASGI,
# where each request runs in a new thread and kept connections would pile up.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
application = get_wsgi_application()
