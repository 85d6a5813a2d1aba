import gc
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

# Every view, form and API schema is imported now, not by the first request: what start-up makes
# lives as long as the process. gc.freeze() sets it aside, so that the collector's full passes
# no longer walk those ~240,000 objects (0.1-0.4 s each, inside whichever request set one off;
# issue 19), only what requests made since.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports the URL modules, and with them every view
gc.freeze()
