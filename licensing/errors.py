"""One JSON error shape, raised as domain exceptions and rendered by one set of handlers."""

import logging

from flask import jsonify, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "validation_error", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "rate_limited", 500: "internal_error",
    503: "database_unavailable",
}
HTTP_MESSAGES = {
    401: "Send a valid API token as 'Authorization: Bearer <token>', or sign in.",
    403: "This request is not allowed.",
    404: "Nothing is here: check the address and the id.",
    405: "This address does not accept that method.",
    413: "The request body is larger than 64 KiB.",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
    429: "Too many attempts: wait and try again.",
    500: "Something went wrong on our side; the request changed nothing.",
    503: "The database is not answering; try again shortly.",
}


class APIError(Exception):
    """A failure with its HTTP status, error code and a sentence a person can act on."""

    status = 400
    code = "validation_error"

    def __init__(self, message, fields=None, headers=None):
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.headers = headers


class ValidationFailed(APIError):
    status, code = 422, "validation_error"

    @classmethod
    def for_fields(cls, fields):
        names = ", ".join(sorted(fields))
        return cls(f"Some fields are invalid: {names}. Correct them and send again.", fields)


class Unauthorized(APIError):
    status, code = 401, "unauthorized"


class Forbidden(APIError):
    status, code = 403, "forbidden"


class NotFound(APIError):
    status, code = 404, "not_found"


class EmailMismatch(APIError):
    status, code = 409, "email_mismatch"


class IdempotencyConflict(APIError):
    status, code = 409, "idempotency_conflict"


class RateLimited(APIError):
    status, code = 429, "rate_limited"


class DatabaseUnavailable(APIError):
    status, code = 503, "database_unavailable"


def error_response(status, code, message, fields=None, headers=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def wants_json():
    """Errors are JSON under the API; pages keep Flask's HTML answers."""
    return request.path.startswith("/api/")


def _flatten(messages):
    """marshmallow's messages as {field: [sentences]}."""
    flat = {}
    for name, value in messages.items():
        if isinstance(value, dict):
            value = [msg for msgs in _flatten(value).values() for msg in msgs]
        flat[name] = list(value)
    return flat


def register_error_handlers(app):
    @app.errorhandler(APIError)
    def handle_api_error(exc):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @app.errorhandler(ValidationError)
    def handle_validation_error(exc):
        db.session.rollback()
        messages = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
        fields = _flatten(messages)
        return handle_api_error(ValidationFailed.for_fields(fields))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(exc):
        if wants_json():
            return error_response(403, "forbidden", f"CSRF check failed: {exc.description}")
        return exc

    @app.errorhandler(HTTPException)
    def handle_http_error(exc):
        if not wants_json():
            return exc
        status = exc.code or 500
        code = HTTP_CODES.get(status, "internal_error" if status >= 500 else "validation_error")
        message = HTTP_MESSAGES.get(status, exc.description)
        allowed = getattr(exc, "valid_methods", None) if status == 405 else None
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        return error_response(status, code, message, headers=headers)

    @app.errorhandler(DBAPIError)
    def handle_database_error(exc):
        db.session.rollback()
        if exc.connection_invalidated or _is_unavailable(exc):
            log.warning("database unavailable: %s", exc.orig.__class__.__name__)
            return _maybe_json(503)
        log.exception("database error")
        return _maybe_json(500)

    @app.errorhandler(Exception)
    def handle_unexpected(exc):
        db.session.rollback()
        log.exception("unhandled error")
        return _maybe_json(500)


def _maybe_json(status):
    if wants_json():
        return error_response(status, HTTP_CODES[status], HTTP_MESSAGES[status])
    return HTTP_MESSAGES[status], status


def _is_unavailable(exc):
    """Connection-level failures and an SQLite lock that outlived its retries."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig).lower()
    return any(
        marker in text
        for marker in ("database is locked", "connection", "server closed", "terminating",
                       "could not", "unable to open", "the database system is")
    )
