"""udata as the judge of what the harvester stored.

Run with the pinned udata's python (scripts/udata-venv.sh prints it):

    judge.py --mongo mongodb://127.0.0.1:27017 --db NAME [--require dataset,harvest_source,...]

For every document of every collection that udata has a model for, inside udata's own app:
load it through the model (udata's MongoEngine documents are strict: an unknown field, also in an
embedded document, raises), call `validate()`, and fetch it through udata's REST API, where a load
error answers 500. Prints one JSON object: per collection, the counts of documents loaded,
validated and served, and every failure with the collection, the document id, the stage and
udata's message. Exits 1 when anything failed, or when a `--require`d collection is empty.
"""

import argparse
import json
import sys
import traceback

import udata_app


def make_app(mongo_uri, db):
    """A udata app on database `db`, configured for a local judge run."""
    app, _ = udata_app.make_app(
        mongo_uri,
        db,
        "judge",
        [
            "URLS_ALLOW_LOCAL = True",
            "URLS_ALLOW_PRIVATE = True",
            # The sandbox has no DNS; resolution only serves the private-address check.
            "URLS_RESOLVE_HOSTNAME = False",
        ],
    )
    return app


def udata_models():
    """udata's document classes, by the collection each one owns."""
    from udata.core.contact_point.models import ContactPoint
    from udata.core.dataset.models import Dataset, License
    from udata.harvest.models import HarvestJob, HarvestSource

    return {
        "dataset": Dataset,
        "harvest_source": HarvestSource,
        "harvest_job": HarvestJob,
        "contact_point": ContactPoint,
        "license": License,
    }


def other_udata_collections():
    """Every other collection name a udata model owns (none of them should be written by us)."""
    from mongoengine.base.common import _document_registry

    names = set()
    for cls in _document_registry.values():
        meta = getattr(cls, "_meta", {})
        if meta.get("abstract") or meta.get("allow_inheritance") is None and not meta.get(
            "collection"
        ):
            continue
        name = meta.get("collection")
        if name:
            names.add(name)
    return names


def api_paths(collection, doc_id):
    """The REST API pages udata serves for one document."""
    if collection == "dataset":
        return [f"/api/1/datasets/{doc_id}/"]
    if collection == "harvest_source":
        return [f"/api/1/harvest/source/{doc_id}/", f"/api/1/harvest/source/{doc_id}/jobs/"]
    if collection == "harvest_job":
        return [f"/api/1/harvest/job/{doc_id}/", f"/api/1/harvest/job/{doc_id}/items/"]
    if collection == "contact_point":
        return [f"/api/1/contacts/{doc_id}/"]
    return []


def edit_check(source, fail, report):
    """What udata's admin checks when a source is edited: its backend is one udata runs, and its
    config (filters, features, extra configs) matches that backend's specs. A backend udata does
    not ship (OpenDataSoft is a plugin) is noted, not failed: udata's admin lists, shows and
    validates such a source, but can only edit it with the plugin installed."""
    from udata.harvest.backends import get_enabled_backends
    from udata.harvest.models import check_config_matches_backend

    if source.backend not in get_enabled_backends():
        report.setdefault("notes", []).append(
            f"harvest_source {source.id}: backend {source.backend!r} is not one udata ships"
            " (editing it in udata's admin needs its plugin)"
        )
        return
    try:
        check_config_matches_backend(
            source.config, {"backend": source.backend, "config": source.config}, source
        )
    except Exception as e:  # noqa: BLE001
        fail("edit", f"{type(e).__name__}: {e}")


def judge(app, db_name, require):
    from mongoengine.connection import get_db

    report = {"database": db_name, "collections": {}, "failures": []}
    with app.app_context():
        db = get_db()
        existing = set(db.list_collection_names())
        models = udata_models()
        client = app.test_client()
        for collection, model in models.items():
            counts = {"documents": 0, "loaded": 0, "validated": 0, "served": 0}
            report["collections"][collection] = counts
            if collection not in existing:
                continue
            for raw in db[collection].find({}, {"_id": 1}):
                doc_id = raw["_id"]
                counts["documents"] += 1

                def fail(stage, message, doc_id=doc_id, collection=collection):
                    report["failures"].append(
                        {
                            "collection": collection,
                            "id": str(doc_id),
                            "stage": stage,
                            "message": message[:2000],
                        }
                    )

                try:
                    obj = model.objects.get(pk=doc_id)
                except Exception as e:  # noqa: BLE001 - the judgement is the message
                    fail("load", f"{type(e).__name__}: {e}")
                    continue
                counts["loaded"] += 1
                try:
                    obj.validate()
                    counts["validated"] += 1
                except Exception as e:  # noqa: BLE001
                    fail("validate", f"{type(e).__name__}: {e}")
                if collection == "harvest_source":
                    edit_check(obj, fail, report)
                served = True
                for path in api_paths(collection, doc_id):
                    response = client.get(path)
                    if response.status_code != 200:
                        served = False
                        body = response.get_data(as_text=True)
                        fail("api", f"GET {path} answered {response.status_code}: {body[:500]}")
                if served:
                    counts["served"] += 1
        # Collections named like udata's that we are not judging (we must not write them).
        owned = other_udata_collections() - set(models)
        stray = sorted(name for name in existing & owned if db[name].estimated_document_count())
        report["other_udata_collections_written"] = stray
        for name in stray:
            report["failures"].append(
                {
                    "collection": name,
                    "id": "*",
                    "stage": "owner",
                    "message": "a udata collection the harvester should not write",
                }
            )
        # The source list of udata's harvest admin.
        response = client.get("/api/1/harvest/sources/?deleted=true")
        if response.status_code != 200:
            report["failures"].append(
                {
                    "collection": "harvest_source",
                    "id": "*",
                    "stage": "api",
                    "message": f"GET /api/1/harvest/sources/ answered {response.status_code}",
                }
            )
        # The license list as udata's API serves it.
        response = client.get("/api/1/datasets/licenses/")
        if response.status_code != 200:
            report["failures"].append(
                {
                    "collection": "license",
                    "id": "*",
                    "stage": "api",
                    "message": f"GET /api/1/datasets/licenses/ answered {response.status_code}",
                }
            )
        for name in require:
            if report["collections"].get(name, {}).get("documents", 0) == 0:
                report["failures"].append(
                    {
                        "collection": name,
                        "id": "*",
                        "stage": "require",
                        "message": "no document to judge",
                    }
                )
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mongo", default="mongodb://127.0.0.1:27017")
    parser.add_argument("--db", required=True)
    parser.add_argument(
        "--require", default="", help="comma-separated collections that must hold documents"
    )
    parser.add_argument("--summary", action="store_true", help="print lines for people, not JSON")
    args = parser.parse_args()
    require = [c for c in args.require.split(",") if c]
    try:
        app = make_app(args.mongo, args.db)
        report = judge(app, args.db, require)
    except Exception:  # noqa: BLE001 - report a crash of the judge itself as a failure
        report = {
            "database": args.db,
            "collections": {},
            "failures": [{"collection": "*", "id": "*", "stage": "judge", "message": traceback.format_exc()}],
        }
    if args.summary:
        for name, c in report["collections"].items():
            print(
                f"udata {udata_version()}: {name}: {c['documents']} documents, {c['loaded']} loaded,"
                f" {c['validated']} validated, {c['served']} served by its API"
            )
        for f in report["failures"]:
            print(f"udata cannot read {f['collection']} {f['id']} ({f['stage']}): {f['message']}")
    else:
        print(json.dumps(report, indent=1, default=str))
    return 1 if report["failures"] else 0


def udata_version():
    from importlib.metadata import version

    return version("udata")


if __name__ == "__main__":
    sys.exit(main())
