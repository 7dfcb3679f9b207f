"""The yardstick for ``bench_verify.py``: a bare Flask JSON endpoint, nothing else.

Served by the same gunicorn, with the same settings, as the app, so that the ratio of the two
request rates says what the app adds to Flask, gunicorn and the machine.

    gunicorn --chdir scripts bench_bare_app:app
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify({"ok": True})
