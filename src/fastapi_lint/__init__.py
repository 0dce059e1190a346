"""fastapi-lint: static checks for FastAPI applications, with safe autofixes."""

__version__ = "0.1.0"
