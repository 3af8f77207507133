"""The Zalo Official Account adapter: the API client and the webhook's verification.

``client.py`` sends (paced, retried, refreshing the token once on -216) and reports every
outcome as a typed value; ``webhook.py`` checks Zalo's signature before anything else and
turns an event into one of ``events.py``'s types. Not wired into the survey flow yet.
"""
