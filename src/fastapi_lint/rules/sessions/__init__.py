"""FPI2xx: database-session dependencies."""
