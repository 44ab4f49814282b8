"""Records of the plans app; built by their own issue."""
