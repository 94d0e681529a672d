"""Map layers of the planner's map: one module per layer (query, style, legend, popup), basemaps, legend, offline vendoring."""
