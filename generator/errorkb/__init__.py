"""errorkb: a static-site generator for a knowledge base of developer error messages."""

__version__ = "0.1.0"
