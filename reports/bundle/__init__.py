"""The study records bundle (``records-format.md``): validation, import and export."""
