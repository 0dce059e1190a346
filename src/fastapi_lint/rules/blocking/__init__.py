"""FPI1xx: blocking I/O inside `async def`."""
