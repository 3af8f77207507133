"""The Telegram adapter: parse updates, call the domain, render replies with Telegram markup."""
