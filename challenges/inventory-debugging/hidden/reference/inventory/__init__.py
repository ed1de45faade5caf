"""Stock keeping and pricing for a small wholesale shop."""
