"""gunicorn settings file for the benchmark: tells it when every worker has loaded the app.

Only a hook is set here; the command line is the production one. Each worker, once it has
imported the app, leaves a file named by its pid in $BENCH_READY_DIR.
"""

import os


def post_worker_init(worker):
    path = os.path.join(os.environ["BENCH_READY_DIR"], str(worker.pid))
    with open(path, "w", encoding="ascii"):
        pass
