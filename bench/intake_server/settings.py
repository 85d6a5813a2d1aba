"""Tousu's settings, unchanged, plus the bench's app and its URL in front of the product's."""

from tousu.config.settings import *  # noqa: F403
from tousu.config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.intake_server"]
ROOT_URLCONF = "bench.intake_server.urls"
