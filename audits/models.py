"""Records of the audits app; built by their own issue."""
