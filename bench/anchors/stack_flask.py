# Anchor: the stack bench's Flask app (bench/stack/stack.ts), for gunicorn: the talk's hello at /
# and a rendered page at /items (stack_templates/stack_items.html: a layout, a loop over 20
# items, autoescaped values). bench/anchors/stack_app.ts is the same app on the framework.
from flask import Flask, render_template

app = Flask(__name__, template_folder="stack_templates")

ITEMS = [
    {
        "id": i,
        "name": f"Item {i} <{'b' if i % 2 else 'i'}>",
        "note": f'"Fish & chips" for {i} \'friends\'',
        "price": 100 + i * 7,
    }
    for i in range(1, 21)
]


@app.route("/")
def hello():
    return "Hello, World!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.route("/items")
def items():
    return render_template("stack_items.html", site="Stack & <bench>", items=ITEMS)
