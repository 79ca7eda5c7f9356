"""One udata app for the test scripts (judge.py, parity.py), set up as
../shared/design/udata-judge.md says: settings from a temporary file, and index errors of the
MongoDB-compatible test server (no text indexes) ignored, since indexes only speed up reads."""

import os
import tempfile


def make_app(mongo_uri, db, secret, extra_settings=()):
    """A udata app on database `db` of `mongo_uri`; returns it with its settings file's path."""
    base, _, query = mongo_uri.partition("?")
    host = base.rstrip("/") + "/" + db + ("?" + query if query else "")
    settings = tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False)
    settings.write(
        "\n".join(
            [
                f"MONGODB_HOST = {host!r}",
                "SERVER_NAME = 'localhost:7000'",
                "CACHE_TYPE = 'NullCache'",
                f"SECRET_KEY = {secret!r}",
                f"API_TOKEN_SECRET = {secret!r}",
                f"SECURITY_PASSWORD_SALT = {secret!r}",
                "HARVESTER_BACKENDS = ['*']",
                *extra_settings,
                "",
            ]
        )
    )
    settings.close()
    os.environ["UDATA_SETTINGS"] = settings.name

    import mongoengine.document

    original = mongoengine.document.Document.ensure_indexes.__func__

    def ensure_indexes(cls, *args, **kwargs):
        try:
            return original(cls, *args, **kwargs)
        except Exception:  # noqa: BLE001 - an index error changes no document
            return None

    mongoengine.document.Document.ensure_indexes = classmethod(ensure_indexes)

    from udata.app import create_app, standalone

    return standalone(create_app()), settings.name
