"""Dixian's spatial core: settings, database, import, coordinate frames, terrain, checks and the CLI."""
