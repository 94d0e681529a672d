"""Map layers of the planner's map: one module per layer (its query, style, legend and popup), and what serves them:
the shared base, the legend control, basemaps, offline vendoring and the map's assembly."""
