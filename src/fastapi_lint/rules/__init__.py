"""Rule families, one package each, and the explicit registry (`registry.RULES`)."""
