"""The water bureau's planning: emergency supply when sources fail or a drought comes (scenario → delivery points →
supply → trucks), repair priority of failed sources, and sites for new sources. Built on geo.checks' machinery."""
