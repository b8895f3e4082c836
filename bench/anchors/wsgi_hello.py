# Anchor: the talk's bare WSGI app (part II), for gunicorn.
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"Hello, World!\n"]
