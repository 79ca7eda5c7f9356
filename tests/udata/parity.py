"""Mapping parity: the harvester's mapping against udata's own, on the same catalog files.

Run with the pinned udata's python (scripts/udata-venv.sh prints it):

    parity.py --mapper PATH/harvest-map-fixture --mongo mongodb://127.0.0.1:27017 \
        --allowlist tests/udata/parity_allowlist.json --doc docs/udata-compatibility.md FILE...

Each FILE is `backend:path` (backend dcat, ckan or dkan). For each one:
- the harvester maps it with `harvest-map-fixture` (the worker library's parse/split/map);
- udata harvests it with its own backend (`DcatBackend`, `CkanBackend`, `DkanBackend`) in a
  throwaway database, with only the HTTP layer replaced: the DCAT page is the file (parsed as
  udata parses a page), the CKAN `package_list` lists the package and `package_show` answers the
  file. So the datasets compared are the ones udata stores, after its save-time cleaning.

Then every dataset is compared field by field (title, description, tags, license, frequency,
temporal_coverage, spatial, resources, harvest.*, contact_points, extras). A difference is known
when an entry of the allowlist matches it (fixture, dataset, field globs); each entry names the
section of docs/udata-compatibility.md that explains why the harvester is right, and that section
must exist. Prints a JSON report with the counts and every unexplained difference; exits 1 when
there is one. The throwaway database is dropped at the end.
"""

import argparse
import datetime as dt
import fnmatch
import json
import os
import re
import subprocess
import sys
import uuid

import udata_app

# Fields compared on every dataset, in report order.
HARVEST_FIELDS = [
    "remote_id",
    "uri",
    "dct_identifier",
    "remote_url",
    "domain",
    "created_at",
    "issued_at",
    "modified_at",
]
# The key of the one dataset of a CKAN or DKAN fixture, on both sides.
PACKAGE = "<package>"
RESOURCE_FIELDS = ["title", "format", "mime", "filesize", "checksum", "type"]
RDF_FORMATS = {
    ".ttl": "turtle",
    ".rdf": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".nt": "nt",
    ".n3": "n3",
    ".trig": "trig",
}


def make_app(mongo_uri, db):
    """A udata app on the throwaway database `db`, and its settings file."""
    return udata_app.make_app(mongo_uri, db, "parity")


def seed_licenses(path):
    """The project's bundled license list, so that both sides guess among the same licenses."""
    from udata.models import License

    fields = set(License._fields)
    with open(path, encoding="utf-8") as f:
        for entry in json.load(f):
            License(**{k: v for k, v in entry.items() if k in fields}).save()


# --- udata's side ---------------------------------------------------------------------------


def udata_harvest(backend, path, source_url, org):
    """Harvest `path` with udata's own backend; returns {key: outcome} per remote dataset."""
    from rdflib import Graph, URIRef

    from udata.harvest.backends.ckan.harvesters import CkanBackend, DkanBackend
    from udata.harvest.backends.dcat import URIS_TO_REPLACE, DcatBackend
    from udata.harvest.models import HarvestSource
    from udata.rdf import namespace_manager

    # Each fixture on an empty database: udata matches datasets by URI across sources, so a
    # dataset left by an earlier fixture with the same IRI would be updated in place, keeping the
    # fields, contact points and resources the new file does not set.
    from udata.core.contact_point.models import ContactPoint
    from udata.core.dataset.models import Dataset

    # Raw deletes: udata's delete signals (reports) are no part of the mapping.
    Dataset._get_collection().delete_many({})
    ContactPoint._get_collection().delete_many({})

    with open(path, encoding="utf-8") as f:
        data = f.read()
    source = HarvestSource(
        name=f"parity {os.path.basename(path)}",
        url=source_url,
        backend=backend,
        organization=org,
    )
    source.save()
    keys = []

    if backend == "dcat":
        fmt = RDF_FORMATS[os.path.splitext(path)[1]]

        class FileDcat(DcatBackend):
            format = fmt

            def walk_paginated_graph(self, url):
                # As udata's walk_paginated_graph parses one page, with the file as the page.
                graph = Graph(namespace_manager=namespace_manager)
                text = data
                for old, new in URIS_TO_REPLACE.items():
                    text = text.replace(old, new)
                graph.parse(data=text, format=fmt, publicID=source_url)
                yield graph, 0

            def store_graphs(self):
                pass

            def process_item(self, remote_id, processor, *args, **kwargs):
                # Remember each item's node: a failed item has no dataset to name it by.
                node = kwargs.get("node")
                keys.append(str(node) if isinstance(node, URIRef) else remote_id)
                return super().process_item(remote_id, processor, *args, **kwargs)

        harvester = FileDcat(source)
    else:
        answer = json.loads(data)
        if not (isinstance(answer, dict) and "success" in answer and "result" in answer):
            # A bare package (ckanext-dcat's test packages), as the harvester's `unwrap_package`
            # reads it: served in the envelope a CKAN API answers with.
            answer = {"success": True, "result": answer}
        result = answer.get("result")
        if isinstance(result, list):
            result = next((p for p in result if isinstance(p, dict)), None)
            answer = {"success": True, "result": result}
        package = result if isinstance(result, dict) else {}
        name = package.get("name") or package.get("id")
        base = DkanBackend if backend == "dkan" else CkanBackend

        class FileCkan(base):
            def get_action(self, endpoint, fix=False, **kwargs):
                if endpoint == "package_list":
                    return {"success": True, "result": [name]}
                if endpoint == "package_show":
                    return answer
                raise RuntimeError(f"unexpected action {endpoint}")

        harvester = FileCkan(source)

    job = harvester.harvest()
    outcomes = {}
    for index, item in enumerate(job.items):
        entry = {
            "status": item.status,
            "errors": [e.message for e in item.errors],
            "remote_id": item.remote_id,
        }
        if item.dataset:
            entry["dataset"] = udata_dataset(item.dataset)
        if backend != "dcat":
            key = PACKAGE
        elif index < len(keys) and keys[index]:
            key = keys[index]
        else:
            key = item_key(entry.get("dataset"), item.remote_id)
        outcomes[key] = entry
    if os.environ.get("PARITY_DEBUG"):
        print(json.dumps({k: {"status": v["status"], "errors": v["errors"]} for k, v in outcomes.items()}), file=sys.stderr)
    if job.errors:
        outcomes["<job>"] = {"status": "failed", "errors": [e.message for e in job.errors]}
    return outcomes


def udata_dataset(dataset):
    """The stored document of a udata dataset, with its contact points resolved."""
    from udata.core.contact_point.models import ContactPoint
    from udata.core.dataset.models import Dataset

    stored = Dataset.objects.get(id=dataset.id)
    doc = stored.to_mongo().to_dict()
    doc["contact_points"] = [
        {
            "name": cp.name,
            "email": cp.email,
            "contact_form": cp.contact_form,
            "role": cp.role,
        }
        for cp in ContactPoint.objects(id__in=[c.id for c in stored.contact_points])
    ]
    return doc


def item_key(doc, remote_id):
    """A dataset's key on both sides: its IRI, else its remote id."""
    harvest = (doc or {}).get("harvest") or {}
    return harvest.get("uri") or harvest.get("remote_id") or remote_id or "?"


# --- the harvester's side -------------------------------------------------------------------


def ours_map(mapper, backend, path, source_url):
    out = subprocess.run(
        [mapper, path, "--backend", backend, "--source-url", source_url],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        mapped = json.loads(out.stdout)
    except ValueError:
        return {"<fatal>": {"status": "failed", "errors": [out.stderr or out.stdout]}}
    if "fatal" in mapped:
        return {"<fatal>": {"status": "failed", "errors": [mapped["fatal"]]}}
    outcomes = {}
    for d in mapped["datasets"]:
        doc = d["dataset"]
        doc["contact_points"] = d["contact_points"]
        key = PACKAGE if backend != "dcat" else item_key(doc, d["remote_id"])
        outcomes[key] = {"status": "done", "dataset": doc}
    for s in mapped["skipped"]:
        outcomes[PACKAGE] = {"status": "skipped", "errors": [s["message"]]}
    for e in mapped["errors"]:
        key = e.get("remote_id") or "?"
        node = e.get("node") or ""
        if node.startswith("<") and node.endswith(">"):
            key = node[1:-1]
        outcomes[PACKAGE if backend != "dcat" else key] = {
            "status": "failed",
            "errors": [e["message"]],
        }
    return outcomes


# --- comparison -----------------------------------------------------------------------------


def norm(value):
    """A plain, comparable value: dates as UTC ISO seconds, empties as None."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat()
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value):
            return value[:19]
        return value if value != "" else None
    if isinstance(value, dict):
        out = {k: norm(v) for k, v in value.items()}
        out = {k: v for k, v in out.items() if v is not None}
        return out or None
    if isinstance(value, (list, tuple)):
        out = [norm(v) for v in value]
        return out or None
    if hasattr(value, "binary") or type(value).__name__ == "ObjectId":
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return value
    return value


def compare_datasets(ours, theirs):
    """[(field, ours, udata's)] for every compared field that differs, and the count compared."""
    diffs = []
    compared = 0

    def check(field, a, b):
        nonlocal compared
        compared += 1
        a, b = norm(a), norm(b)
        if a != b:
            diffs.append((field, a, b))

    for field in ["title", "description", "tags", "license", "frequency"]:
        check(field, ours.get(field), theirs.get(field))
    # udata's DateRange holds dates: compare days.
    day = lambda r: {k: norm(v)[:10] for k, v in (r or {}).items() if norm(v)}  # noqa: E731
    check("temporal_coverage", day(ours.get("temporal_coverage")), day(theirs.get("temporal_coverage")))
    ours_spatial = ours.get("spatial") or {}
    their_spatial = theirs.get("spatial") or {}
    check("spatial.granularity", ours_spatial.get("granularity"), their_spatial.get("granularity"))
    check("spatial.geom", ours_spatial.get("geom"), their_spatial.get("geom"))
    ours_harvest = ours.get("harvest") or {}
    their_harvest = theirs.get("harvest") or {}
    for field in HARVEST_FIELDS:
        check(f"harvest.{field}", ours_harvest.get(field), their_harvest.get(field))
    cp = lambda cps: sorted(json.dumps(norm(c), sort_keys=True) for c in cps or [])  # noqa: E731
    check("contact_points", cp(ours.get("contact_points")), cp(theirs.get("contact_points")))
    ours_extras = ours.get("extras") or {}
    their_extras = theirs.get("extras") or {}
    for key in sorted(set(ours_extras) | set(their_extras)):
        check(f"extras.{key}", ours_extras.get(key), their_extras.get(key))

    ours_res = list(ours.get("resources") or [])
    their_res = list(theirs.get("resources") or [])
    for r in their_res:
        match = next(
            (o for o in ours_res if o.get("url") == r.get("url") and o.get("title") == r.get("title")),
            None,
        ) or next((o for o in ours_res if o.get("url") == r.get("url")), None)
        label = r.get("url")
        if match is None:
            check(f"resources[{label}]", None, "present")
            continue
        ours_res.remove(match)
        check(f"resources[{label}].url", match.get("url"), r.get("url"))
        for field in RESOURCE_FIELDS:
            check(f"resources[{label}].{field}", match.get(field), r.get(field))
    for o in ours_res:
        check(f"resources[{o.get('url')}]", "present", None)
    return diffs, compared


def load_allowlist(path, doc_path):
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    with open(doc_path, encoding="utf-8") as f:
        anchors = {slug_heading(m) for m in re.findall(r"^#+\s+(.*)$", f.read(), re.M)}
    missing = [e for e in entries if e["section"].lstrip("#") not in anchors]
    return entries, missing


def slug_heading(title):
    """The anchor GitHub gives a Markdown heading."""
    s = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return s.replace(" ", "-")


def plain_field(field):
    """A field name for glob matching: any resource URL as `*`, brackets out of fnmatch's way."""
    field = re.sub(r"^resources\[.*\](?=\.|$)", "resources[*]", field)
    return field.replace("[", "<").replace("]", ">")


def explained(entries, fixture, dataset, field, udata_value):
    for e in entries:
        if e.get("only_if") and e["only_if"] not in json.dumps(udata_value, default=str):
            continue
        if (
            fnmatch.fnmatch(fixture, e.get("fixture", "*"))
            and fnmatch.fnmatch(dataset, e.get("dataset", "*"))
            and fnmatch.fnmatch(plain_field(field), plain_field(e["field"]))
        ):
            e["used"] = e.get("used", 0) + 1
            return e
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mapper", required=True)
    parser.add_argument("--mongo", default="mongodb://127.0.0.1:27017")
    parser.add_argument("--allowlist", required=True)
    parser.add_argument("--doc", required=True)
    parser.add_argument("--licenses", required=True)
    parser.add_argument("--root", default=os.getcwd(), help="fixture names are relative to it")
    parser.add_argument("files", nargs="+", help="backend:path")
    args = parser.parse_args()

    entries, missing_sections = load_allowlist(args.allowlist, args.doc)
    db = f"mapparity_{uuid.uuid4().hex[:12]}"
    app, settings_file = make_app(args.mongo, db)
    report = {
        "database": db,
        "fixtures": 0,
        "datasets_compared": 0,
        "fields_compared": 0,
        "fields_equal": 0,
        "known_differences": 0,
        "open_differences": 0,
        "unexplained": [],
        "known": [],
        "allowlist_without_section": [e["section"] for e in missing_sections],
    }
    try:
        with app.app_context():
            from udata.models import Organization

            seed_licenses(args.licenses)
            org = Organization(name="Parity", description="parity test")
            org.save()
            for spec in args.files:
                backend, path = spec.split(":", 1)
                fixture = os.path.relpath(path, args.root)
                report["fixtures"] += 1
                source_url = (
                    "https://ckan.example.org/"
                    if backend in ("ckan", "dkan")
                    else f"https://data.example.org/{os.path.basename(path)}"
                )
                ours = ours_map(args.mapper, backend, path, source_url)
                try:
                    theirs = udata_harvest(backend, path, source_url, org)
                except Exception as e:  # noqa: BLE001 - reported as a difference
                    if os.environ.get("PARITY_DEBUG"):
                        import traceback

                        traceback.print_exc()
                    theirs = {"<fatal>": {"status": "failed", "errors": [repr(e)]}}
                record(report, entries, fixture, ours, theirs)
    finally:
        try:
            from mongoengine.connection import get_db

            with app.app_context():
                get_db().client.drop_database(db)
        except Exception as e:  # noqa: BLE001
            report["cleanup_error"] = repr(e)
        os.unlink(settings_file)

    report["unused_allowlist"] = [
        {k: e[k] for k in ("fixture", "dataset", "field") if k in e}
        for e in entries
        if not e.get("used")
    ]
    print(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    return 1 if report["unexplained"] or missing_sections else 0


def record(report, entries, fixture, ours, theirs):
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key), theirs.get(key)
        if a and b and "dataset" in a and "dataset" in b:
            diffs, compared = compare_datasets(a["dataset"], b["dataset"])
            report["datasets_compared"] += 1
            report["fields_compared"] += compared
            report["fields_equal"] += compared - len(diffs)
        else:
            outcome = lambda o: (o or {}).get("status", "absent")  # noqa: E731
            if outcome(a) == outcome(b) or (outcome(a) != "done" and outcome(b) != "done"):
                continue  # neither side stores a dataset
            diffs = [
                (
                    "outcome",
                    f"{outcome(a)} {(a or {}).get('errors', '')}".strip(),
                    f"{outcome(b)} {(b or {}).get('errors', '')}".strip(),
                )
            ]
        for field, mine, udata in diffs:
            entry = explained(entries, fixture, key, field, udata)
            row = {"fixture": fixture, "dataset": key, "field": field, "ours": mine, "udata": udata}
            if entry:
                report["known_differences"] += 1
                row["section"] = entry["section"]
                row["why"] = entry.get("why", "")
                if row["why"].startswith("OPEN"):
                    report["open_differences"] += 1
                report["known"].append(row)
            else:
                report["unexplained"].append(row)


if __name__ == "__main__":
    sys.exit(main())
