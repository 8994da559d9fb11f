"""Settings of the prices API benchmark: the product's settings with the benchmark's URLConf."""

from quantumvest.settings import *  # noqa: F403

ROOT_URLCONF = "prices_api_urls"
