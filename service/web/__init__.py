"""The department's web pages, server-rendered (Jinja2) with small ES modules.

Russian by default, ``?lang=en`` for English; every text comes from one catalogue
(:mod:`service.web.texts`). The pages talk to the API with the user's key, kept in the
browser's local storage, so no key reaches the server in a URL or a log. Everything a page
loads is served from the package (``/web/static/…``): no CDN, no inline script, so the pages
work under a strict Content-Security-Policy.

Adding a page: one entry in :data:`service.web.pages.PAGES`, one template
``templates/<name>.html`` (extending ``layout.html``), one ES module ``static/js/<name>.js``,
and its texts in a catalogue file ``catalogue/<name>.json``.
"""

from service.web.pages import PAGES, Page, router

__all__ = ["PAGES", "Page", "router"]
