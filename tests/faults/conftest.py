"""Fault tests: quiet httpx (one INFO line per request would bury a failure's server log)."""

import logging

logging.getLogger("httpx").setLevel(logging.WARNING)
