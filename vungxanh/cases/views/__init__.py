"""HTML pages of cases and tracing: one module per screen family."""
