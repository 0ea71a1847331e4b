"""omnicanal: one core, many channels."""

__version__ = "0.1.0"
