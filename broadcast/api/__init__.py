"""The HTTP API (version 1). Routers are thin: parse, authorise, call a service, shape the reply."""
