"""curatrain's curation half: canonical conversation schema, stage protocol, and the stages."""
