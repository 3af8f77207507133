"""The Zalo Official Account adapter: the API client, the webhook, and the conversation.

``client.py`` sends (paced, retried, refreshing the token once on -216) and reports every
outcome as a typed value; ``webhook.py`` checks Zalo's signature before anything else and
turns an event into one of ``events.py``'s types, which ``inbox.py`` queues; ``worker.py``
drains the queue and ``router.py`` hands each event to the step that owns it (``joining``,
``survey``, ``faq``, ``keywords``), which call the domain as the Telegram adapter does.
"""
