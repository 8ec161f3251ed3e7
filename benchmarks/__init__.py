"""`make bench` and the accuracy evaluations: outside the runtime package."""
