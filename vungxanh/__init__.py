"""vungxanh — the information system of a provincial epidemic response."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vungxanh")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+src"
