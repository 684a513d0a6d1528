"""The dashboard (``GET /__admin/``): a page shell and the read-only resources it lists.

``page`` renders the HTML (``mockserver/core/templates/dashboard.html``); its inline script polls
the admin JSON API. ``resources`` answers ``GET /__admin/dashboard/resources``: per provider,
the consents, payments, users, connections and insights reports of a namespace.
"""

from mockserver.admin.dashboard.page import page_response, render
from mockserver.admin.dashboard.resources import list_resources

__all__ = ["list_resources", "page_response", "render"]
