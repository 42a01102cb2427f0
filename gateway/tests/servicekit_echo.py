"""A small service on the real servicekit chassis, to see what the gateway forwards (headers, identity, bodies)."""

from __future__ import annotations

import hashlib
import threading
import time

from flask import Response, request
from flask_smorest import Blueprint

from servicekit import errors
from servicekit.auth import IdentityVerifier
from servicekit.bus import EventBus
from servicekit.db import Database
from servicekit.metrics import ServiceMetrics
from servicekit.web import ServiceContext, create_service_app, current_identity

# how long the streaming checks wait for the other side; only a gateway that holds a body waits this long
STREAM_WAIT = 10.0


def create_echo_app(name: str, public_key: str, database_url: str, amqp_url: str):
    blp = Blueprint("echo", __name__, url_prefix="/api/v1")
    internal = Blueprint("echo_internal", __name__, url_prefix="/internal/v1")

    @blp.route("/cases/echo", methods=["GET", "POST", "PATCH", "DELETE"])
    def echo():
        identity = current_identity()
        return {
            "service": name,
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode(),
            "user_id": identity.user_id,
            "roles": sorted(identity.roles),
            "team_ids": sorted(identity.team_ids),
            "dispatcher_team_ids": sorted(identity.dispatcher_team_ids),
            "organisation_id": identity.organisation_id,
            "headers": {k: v for k, v in request.headers.items()},
        }

    @blp.route("/cases/upload", methods=["POST"])
    def upload():
        current_identity()
        digest, size = hashlib.sha256(), 0
        while chunk := request.stream.read(65536):
            app.upload_began.set()  # a client may hold back the rest of its body until this
            digest.update(chunk)
            size += len(chunk)
        return {"size": size, "sha256": digest.hexdigest()}, 201

    @blp.route("/cases/download")
    def download():
        current_identity()
        size = int(request.args.get("size", "0"))
        hold = request.args.get("hold") == "1"
        block = bytes(range(256)) * 256

        def generate():
            left = size
            while left > 0:
                yield block[:min(left, len(block))]
                if hold and left == size:
                    # the rest only once the client has the first block (or the wait ran out): recorded
                    app.download_waits.append(app.download_first_block_received.wait(STREAM_WAIT))
                left -= len(block)

        return Response(generate(), mimetype="application/octet-stream", headers={
            "Content-Length": str(size), "ETag": '"7"', "Content-Disposition": 'attachment; filename="x.bin"'})

    @blp.route("/cases/slow")
    def slow():
        time.sleep(float(request.args.get("seconds", "3")))
        return {"slept": True}

    @blp.route("/cases/conflict", methods=["POST"])
    def conflict():
        current_identity()
        raise errors.Conflict("The case has an open blocking task.", tasks=["TSK 2611-0001"])

    @blp.route("/cases/by-number/<number>")
    def by_number(number):
        return {"number": number, "user_id": current_identity().user_id}

    @blp.route("/cases/<case_id>")
    def case(case_id):
        identity = current_identity()
        if case_id == "hidden":
            raise errors.NotFound("No such case.")
        return {"id": case_id, "title": "Printeren virker ikke", "viewer": identity.user_id,
                "language": request.headers.get("Accept-Language")}

    @blp.route("/cases/<case_id>/messages")
    def messages(case_id):
        identity = current_identity()
        app.message_queries.append(request.query_string.decode())
        if case_id.startswith("long-"):
            return _long_conversation(int(case_id.removeprefix("long-")))
        items = [{"id": "m1", "visibility": "external", "body": "Hej"},
                 {"id": "m2", "visibility": "internal", "body": "Intern note"}]
        if not identity.is_staff:
            items = [m for m in items if m["visibility"] == "external"]
        return {"items": items, "total": len(items), "page": 1, "per_page": 50}

    @blp.route("/cases/<case_id>/sla")
    def sla(case_id):
        current_identity()
        return {"policy_id": "p1", "paused": False, "served_by": name}

    def _long_conversation(total: int):
        """A page of a conversation of ``total`` messages, paged as the cases service pages; page 4 of a
        conversation of 999 messages fails, as a service that breaks down in the middle would."""
        page, per_page = int(request.args.get("page", "1")), int(request.args.get("per_page", "50"))
        if total == 999 and page == 4:
            raise errors.ServiceUnavailable("The cases service is restarting.")
        first = (page - 1) * per_page
        items = [{"id": f"m{n}", "visibility": "external", "body": f"Besked {n}"}
                 for n in range(first, min(first + per_page, total))]
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @internal.route("/ping")
    def ping():
        identity = current_identity()
        return {"service": name, "caller": identity.user_id, "query": request.query_string.decode()}

    context = ServiceContext(
        name=name,
        settings=None,
        database=Database(database_url),
        bus=EventBus(amqp_url, exchange="unused", queue_prefix=""),
        verifier=IdentityVerifier(public_key, audience=name),
        metrics=ServiceMetrics(name),
    )
    app = create_service_app(import_name=__name__, context=context, blueprints=[blp, internal], title=name)
    app.received_paths = []  # every path that reached this service, in order
    app.message_queries = []  # the query string of every call for a case's messages
    app.upload_began = threading.Event()  # set when an upload's first bytes arrived
    app.download_first_block_received = threading.Event()  # set by a test's client (?hold=1)
    app.download_waits = []  # for each held download: whether the client had the first block in time

    @app.before_request
    def remember_the_path():
        app.received_paths.append(request.path)

    return app
