"""The quality app's records, one module per part of the management system (issue 16)."""
