"""One module per rule; each registers itself with :mod:`derive.registry`."""
