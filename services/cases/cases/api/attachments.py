"""``/api/v1/cases/{id}/attachments``: upload, the "only attachments" view, safe download."""

from __future__ import annotations

from flask import send_file
from flask.views import MethodView
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from servicekit.pagination import page
from servicekit.web import ApiBlueprint, current_identity, db_session

from ..files import DISPLAYABLE_TYPES, OCTET_STREAM
from ..schemas.common import PageArgs
from ..schemas.messages import AttachmentPage, AttachmentRead, AttachmentUpload
from ..service import attachments
from ..service.views import attachment_view
from .common import options, transaction


class MultipartParser(FlaskParser):
    """Reads a multipart form's fields and files as one set of arguments (location ``form``), so that one
    schema describes and checks the whole upload: flask-smorest documents a single request body."""

    def load_form(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


blp = ApiBlueprint("attachments", __name__, url_prefix="/api/v1/cases", description="Files on a case")
blp.ARGUMENTS_PARSER = MultipartParser()

DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


@blp.route("/<uuid:case_id>/attachments")
class Attachments(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AttachmentPage)
    def get(self, args, case_id):
        """Only the attachments of the case, newest first (internal ones for staff only)"""
        items, total = attachments.list_attachments(db_session(), current_identity(), str(case_id),
                                                    page=args["page"], per_page=args["per_page"])
        return page(items, total, args)

    @blp.arguments(AttachmentUpload, location="form", content_type="multipart/form-data")
    @blp.response(201, AttachmentRead)
    @blp.alt_response(413, description="Larger than MAX_ATTACHMENT_BYTES")
    @blp.alt_response(415, description="Programs and scripts are refused")
    def post(self, form, case_id):
        """Upload a file (multipart field `file`, optional `message_id` and `visibility`)"""
        upload = form["file"]
        actor = current_identity()
        with transaction() as session:
            attachment = attachments.upload(session, options(), actor, str(case_id), upload.stream, upload.filename,
                                            form["message_id"], form["visibility"])
            view = attachment_view(attachment)
        return view, 201


@blp.route("/<uuid:case_id>/attachments/<uuid:attachment_id>")
@blp.response(200, description="The bytes, always as a download")
def download(case_id, attachment_id):
    """Stream the file as a download with headers that keep a browser from running it"""
    attachment = attachments.get_attachment(db_session(), current_identity(), str(case_id), str(attachment_id))
    path = attachments.file_path(options(), attachment)
    mimetype = attachment.content_type if attachment.content_type in DISPLAYABLE_TYPES else OCTET_STREAM
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=attachment.filename,
                         etag=attachment.sha256, conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
