"""Readers of each input format: e-mail providers, documents, smartPCN, platform JSON."""
