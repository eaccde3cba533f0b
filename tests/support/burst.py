"""Send many requests at the same moment, each from a thread of its own."""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

TIMEOUT = 30


def burst(count, send):
    """Call send(i, http) for i in range(count) all at once; return the results in order.

    Every thread has its own requests session and waits on a barrier, so the requests leave
    together instead of trickling out as threads start.
    """
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def one(i):
        with requests.Session() as http:
            barrier.wait()
            return send(i, http)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count), timeout=TIMEOUT * 2))


def case_variant(address, i):
    """The address with its letters' case flipped by the bits of i: 32 distinct spellings."""
    out = []
    letter = 0
    for char in address:
        if char.isalpha():
            out.append(char.upper() if (i >> (letter % 5)) & 1 else char.lower())
            letter += 1
        else:
            out.append(char)
    return "".join(out)


def post_license(server, http, body, headers=None, token=None):
    """POST /api/v1/license to a live server with its token (or the one given)."""
    headers = {"Authorization": f"Bearer {token or server.token}", **(headers or {})}
    return http.post(server.url + "/api/v1/license", json=body, headers=headers, timeout=TIMEOUT)
