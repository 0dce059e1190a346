"""FPI4xx: background tasks."""
