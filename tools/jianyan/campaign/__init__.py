"""The campaign as files describe it: the model, the paths and steps, reading and validating the repository."""
