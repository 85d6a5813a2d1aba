import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.config.settings")
application = get_wsgi_application()

# A web server is a long-running process: without a broker it runs the background jobs itself
# (tousu/config/runner.py), in one of its processes: with several (gunicorn's workers), the one
# that wins the data directory's lock runs them and the others hand their jobs to it.
from django.conf import settings  # noqa: E402 - settings are ready only now

if not settings.TOUSU_BROKER_URL:
    from tousu.config import runner

    runner.start_for_machine()
