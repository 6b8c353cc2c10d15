"""Asyncio-first SDK for HeyGen's photo-avatar and video APIs."""

from heygen_async._version import __version__

__all__ = ["__version__"]
