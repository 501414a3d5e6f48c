"""The job rq runs in the queue benchmark: nothing, like walt's ping."""


def noop() -> dict[str, int]:
    return {"ok": 1}
