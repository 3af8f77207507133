"""``python -m bot.zalo_sandbox``: run the Zalo OA sandbox as its own process."""

from bot.zalo_sandbox.http import main

main()
