"""gunicorn settings, read from the working directory by `gunicorn wsgi:app` (make serve, tests).

A request line (method, path and query) may be up to 8190 bytes, gunicorn's maximum, so a long
id or query string reaches the service and gets its JSON 404 or 422. A longer line is refused
by gunicorn itself with a 414 and an HTML page: the service never sees it. Lifting the limit
altogether (0) would let one client make a worker buffer an endless line.
"""

limit_request_line = 8190

# gunicorn 27 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl), shared by
# every instance on the host; this service does not use it, so two instances never contend.
# Older gunicorn versions ignore the unknown name.
control_socket_disable = True
