"""One module per stage (or small family of stages). Every module here is imported by
``curate.registry``; a module registers its stages with ``@register``."""
