# Anchor: the talk's Flask hello, for gunicorn and for Flask's own dev server (werkzeug).
import sys

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
