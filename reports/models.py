"""Records of the reports app; built by their own issue."""
