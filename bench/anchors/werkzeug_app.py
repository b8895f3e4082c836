# Anchor for the toolkit bench (bench/toolkit.ts): the same small app as toolkit_app.ts written
# with Werkzeug (Debian's python3-werkzeug), for gunicorn. `application`: a Request wrapper, a
# Map with an int converter and a JSON answer (`GET /users/42?fields=name` gives
# `{"id":42,"fields":"name"}`), Werkzeug's 404 page otherwise. `static_app`: `/static/<path>`
# from $STATIC_DIR through SharedDataMiddleware in front of it.
import json
import os

from werkzeug.exceptions import HTTPException
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

url_map = Map([Rule("/users/<int:id>", endpoint="user")])


@Request.application
def application(request):
    adapter = url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match()
    except HTTPException as error:
        return error
    body = json.dumps({"id": args["id"], "fields": request.args.get("fields")}, separators=(",", ":"))
    return Response(body, mimetype="application/json")


static_app = SharedDataMiddleware(application, {"/static": os.environ.get("STATIC_DIR", ".")})
