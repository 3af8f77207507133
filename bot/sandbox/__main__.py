"""``python -m bot.sandbox``: run the HTTP sandbox as its own process."""

from bot.sandbox.http import main

main()
