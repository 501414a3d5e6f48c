"""walt's pure core: errors, the tool model and its converter, the URL policy, cache, costs,
logging. Nothing here imports Playwright, redis or httpx."""
