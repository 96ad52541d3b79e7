"""The operational store (users, grants, audit, load history, jobs, saved views) and the
background job runner built on it."""
