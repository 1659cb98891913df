"""Batch analytics over the whole graph: serial perpetrators (MATAC), RFG(V) scoring, evaluation against truth."""
