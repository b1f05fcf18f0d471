"""Pipeline spec, runner and the ``curatrain`` CLI; the shipped YAML definitions live here too."""
