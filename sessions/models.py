"""Records of the sessions app; built by their own issue."""
