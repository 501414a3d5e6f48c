"""walt's pure core: errors, the tool model and its converter, the URL policy, cache, costs,
logging. Nothing here imports Playwright, redis or httpx."""

# The tool's methods (tool.to_openai(), tool.save()...) are attached here, before any
# module of the package is used, so that a tool has them however it was made.
from walt.core import tool_methods as _tool_methods  # noqa: F401
