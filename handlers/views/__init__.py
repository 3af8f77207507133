"""What people read, apart from any channel: templates, labels, reports, charts, spreadsheets.

Rendered per medium by handlers.views.texts; the Telegram, web and Zalo adapters and the
command line all import from here, never from each other.
"""
