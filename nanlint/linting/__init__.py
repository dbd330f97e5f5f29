"""Linting: the engine that parses what can hold a finding once and runs every selected
rule over it, the context rules ask, and checking many files (prefilter, cache, process
pool, suppression comments). It knows no rule by name."""
