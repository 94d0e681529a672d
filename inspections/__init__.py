"""Field inspections: forms, photo evidence, validation flags, review workflow, schedules, spot checks and the API."""
