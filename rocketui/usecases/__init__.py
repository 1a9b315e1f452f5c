"""Use cases: the one layer both front ends (TUI screens, CLI commands) call.  Every change goes
through `gate` (plan, read-only, journal); queries return plain data the front ends render."""
