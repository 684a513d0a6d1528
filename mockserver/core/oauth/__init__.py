"""The shared authorisation server: profiles, authorisation requests, consent decisions, grants.

Each provider configures it with an ``AuthServerProfile`` (paths, scopes, lifetimes, the claims
it adds) and, where the PSU approves something, a ``ConsentAdapter``.
"""
