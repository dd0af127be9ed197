"""The observatory over the read layer: briefs, attention, spikes, coverage by outlet and alerts."""
