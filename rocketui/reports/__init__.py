"""Plain-text renderings of use-case results, shared by the TUI and the CLI (one renderer per
report, so both front ends show the same columns, units and words).  No Textual or Rich here:
rows are tuples of strings plus a level the TUI maps to a colour."""
