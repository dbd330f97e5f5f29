"""nanlint: a static analyzer for numerically unsafe Python."""

__version__ = "0.1.0"
