"""The planner's board: what the pages show around the map (overview numbers, ledgers, the rectification list, the
wall map, the explanation beside the map, search) and the widgets and session they share; the pages in views/."""
