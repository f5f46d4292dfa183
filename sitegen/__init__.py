"""sitegen: a static site generator for news article digests."""

__version__ = "0.1.0"
