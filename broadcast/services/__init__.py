"""Business operations shared by the API, the web pages, the CLI and the jobs.

Each function takes a session and plain values, checks the rules, and raises a ServiceError subclass
with a message a person can act on. None of them commits: the caller owns the transaction.
"""
