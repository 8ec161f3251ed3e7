"""jianyan (建言): a docs-as-code pipeline for a CPPCC suggestion campaign."""
__version__ = "0.1.0"
