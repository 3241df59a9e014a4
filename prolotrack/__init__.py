"""prolotrack: clinical records and outcome tracking for dextrose prolotherapy of the knee."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("prolotrack")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
