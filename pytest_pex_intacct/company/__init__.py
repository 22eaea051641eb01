"""One company's facts: the batched reads, the sign-in classification, the typed facts and readings, the write probe."""
