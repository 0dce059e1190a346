"""FPI3xx: response models that leak secret fields."""
