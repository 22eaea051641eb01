"""Configuration: the options (one declaration each) and the settings they resolve to; imports nothing of the run."""
