"""The duplication index: features cached and computed in parallel, sorted tables, the stored index of a snapshot."""
