# Anchor: the framework bench's app (bench/anchors/framework_app.ts) written with Flask, for
# gunicorn: the talk's hello at / and 50 routes /r<i>/items/<int:id>.
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


def make_item(i):
    def item(id):
        return {"route": i, "id": id}

    return item


for i in range(50):
    app.add_url_rule(f"/r{i}/items/<int:id>", f"item{i}", make_item(i))
