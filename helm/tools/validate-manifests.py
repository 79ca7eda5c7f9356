#!/usr/bin/env python3
"""Validates the manifests rendered by `helm template` for the harvester chart.

Run with the Python of the kubernetes-validate venv (scripts/install-helm.sh), which has
jsonschema, PyYAML and kubernetes_validate with its bundled Kubernetes schemas (no network):

  validate-manifests.py --kubernetes-version 1.29 --values-schema helm/harvester/values.schema.json \
      [--external-secret NAME] [--external-service-account NAME] [--promtool promtool] rendered.yaml

Three layers of checks, every failure is reported and makes the exit status 1:
  1. schema: core kinds against the Kubernetes OpenAPI schemas of kubernetes-validate (strict:
     unknown fields are errors); the CRDs this chart renders (ScaledObject, TriggerAuthentication,
     ServiceMonitor, PrometheusRule) against the JSON schemas in crd-schemas/ beside this file,
     and their metadata against Kubernetes' ObjectMeta. A kind with no schema is an error.
  2. references: every selector, Secret/ConfigMap key, ServiceAccount, scale target,
     authentication and port name points at something rendered (or declared external).
  3. chart policy: standard labels, probes, resources, security context, termination grace,
     worker roles and KEDA queue names, harvest.toml types, PrometheusRule expressions.
"""

import argparse
import base64
import binascii
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib

import jsonschema
import yaml
from kubernetes_validate import utils as kv

HERE = os.path.dirname(os.path.abspath(__file__))
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject-keda-v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "triggerauthentication-keda-v1alpha1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring-v1.json",
}
STANDARD_LABELS = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
    "helm.sh/chart",
]
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
RABBITMQ_KEYS = {
    "host", "hostFromEnv", "protocol", "queueName", "mode", "value", "activationValue",
    "vhostName", "useRegex", "excludeUnacknowledged", "pageSize", "operation", "timeout",
    "unsafeSsl", "usernameFromEnv", "passwordFromEnv",
}
WORKER_ROLES = ("gather", "item", "finalize")
# harvest.toml keys the chart sets itself (not in values.schema.json's config section).
CHART_OWNED_TOML = {("metrics", "bind"), ("api", "bind"), ("worker", "shutdown_grace_secs")}


class Report:
    def __init__(self):
        self.errors = []
        self.checked = 0

    def error(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def check(self, cond, where, msg):
        if not cond:
            self.error(where, msg)
        return cond


def ident(doc):
    md = doc.get("metadata") or {}
    return f"{doc.get('kind', '?')}/{md.get('name', '?')}"


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def matches(selector, labels):
    """selector: a matchLabels dict; labels: a dict."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# ------------------------------------------------------------------ 1. schemas

def validate_schemas(docs, version, rep):
    crd_validators = {}
    for key, fname in CRD_SCHEMAS.items():
        with open(os.path.join(HERE, "crd-schemas", fname)) as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        crd_validators[key] = jsonschema.Draft7Validator(schema)
    for doc in docs:
        where = ident(doc)
        key = (doc.get("apiVersion"), doc.get("kind"))
        if not rep.check(all(key) and isinstance(doc.get("metadata"), dict), where,
                         "apiVersion, kind and metadata are required"):
            continue
        if key in crd_validators:
            for err in sorted(crd_validators[key].iter_errors(doc), key=lambda e: list(e.path)):
                rep.error(where, f"CRD schema: {'.'.join(map(str, err.path)) or '(root)'}: {err.message}")
            # the metadata of a custom resource is an ordinary ObjectMeta
            probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc["metadata"]}
            try:
                kv.validate(probe, version, strict=True)
            except kv.ValidationError as e:
                rep.error(where, f"metadata: {'.'.join(map(str, e.path))}: {e.message}")
            continue
        try:
            kv.validate(doc, version, strict=True)
        except kv.ValidationError as e:
            rep.error(where, f"Kubernetes {e.version} schema: {'.'.join(map(str, e.path)) or '(root)'}: {e.message}")
        except kv.SchemaNotFoundError as e:
            rep.error(where, f"no schema: {e.message}")
        except kv.VersionNotSupportedError:
            rep.error(where, f"kubernetes-validate does not bundle Kubernetes {version}")
        rep.checked += 1


# ------------------------------------------------------------------ 2 and 3. references, policy

def check_metadata(doc, rep):
    where = ident(doc)
    md = doc["metadata"]
    name = md.get("name", "")
    if doc["kind"] == "Service":
        rep.check(DNS1123_LABEL.match(name) and len(name) <= 63, where, f"Service name {name!r} is not a DNS-1123 label")
    else:
        rep.check(DNS1123_SUBDOMAIN.match(name) and len(name) <= 253, where, f"name {name!r} is not a DNS-1123 subdomain")
    if doc["kind"] in ("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ScaledObject"):
        rep.check(len(name) <= 63, where, f"name {name!r} is longer than 63 characters")
    rep.check(bool(md.get("namespace")), where, "metadata.namespace is not set")
    labels = md.get("labels") or {}
    for k in STANDARD_LABELS:
        rep.check(k in labels, where, f"standard label {k} missing")
    for k, v in labels.items():
        rep.check(bool(LABEL_KEY.match(k)), where, f"label key {k!r} is invalid")
        rep.check(isinstance(v, str) and len(v) <= 63 and LABEL_VALUE.match(v), where, f"label {k}={v!r} is not a valid label value")


def pod_spec(dep):
    return dep["spec"]["template"]["spec"]


def env_of(container):
    return {e["name"]: e for e in container.get("env") or []}


def check_deployment(dep, ctx, rep):
    where = ident(dep)
    spec = dep["spec"]
    tmpl_labels = spec["template"]["metadata"].get("labels") or {}
    sel = spec["selector"].get("matchLabels") or {}
    rep.check(matches(sel, tmpl_labels), where, "selector.matchLabels do not match the pod template labels")
    component = tmpl_labels.get("app.kubernetes.io/component", "")
    rep.check(bool(component), where, "pod template has no app.kubernetes.io/component label")
    ps = pod_spec(dep)
    psc = ps.get("securityContext") or {}
    rep.check(psc.get("runAsNonRoot") is True, where, "pod securityContext.runAsNonRoot is not true")
    rep.check((psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", where, "pod seccompProfile is not RuntimeDefault")
    rep.check(ps.get("automountServiceAccountToken") is False, where, "automountServiceAccountToken is not false")
    sa = ps.get("serviceAccountName")
    if sa and sa != "default":
        rep.check(sa in ctx["serviceaccounts"] or sa in ctx["external_sas"], where,
                  f"ServiceAccount {sa} is neither rendered nor declared external")
    # volumes
    for vol in ps.get("volumes") or []:
        if "configMap" in vol:
            rep.check(vol["configMap"]["name"] in ctx["configmaps"], where, f"volume {vol['name']}: ConfigMap {vol['configMap']['name']} not rendered")
        if "secret" in vol:
            name = vol["secret"]["secretName"]
            rep.check(name in ctx["secrets"] or name in ctx["external_secrets"], where, f"volume {vol['name']}: Secret {name} not rendered")
    grace = ps.get("terminationGracePeriodSeconds")
    for c in ps["containers"]:
        cw = f"{where} container {c['name']}"
        sc = c.get("securityContext") or {}
        rep.check(sc.get("runAsNonRoot") is True or psc.get("runAsNonRoot") is True, cw, "runAsNonRoot is not true")
        rep.check(sc.get("readOnlyRootFilesystem") is True, cw, "readOnlyRootFilesystem is not true")
        rep.check(sc.get("allowPrivilegeEscalation") is False, cw, "allowPrivilegeEscalation is not false")
        rep.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), cw, "capabilities.drop does not hold ALL")
        rep.check(sc.get("privileged") in (None, False), cw, "privileged container")
        res = c.get("resources") or {}
        rep.check(bool((res.get("requests") or {}).get("cpu")) and bool((res.get("requests") or {}).get("memory")), cw, "cpu and memory requests are required")
        rep.check(bool((res.get("limits") or {}).get("memory")), cw, "a memory limit is required")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports") or []}
        rep.check("metrics" in ports, cw, "no port named metrics")
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            hg = (c.get(probe) or {}).get("httpGet") or {}
            rep.check(hg.get("path") == path and hg.get("port") == "metrics", cw, f"{probe} must be GET {path} on the metrics port")
        if "startupProbe" in c:
            rep.check(((c["startupProbe"].get("httpGet") or {}).get("port")) == "metrics", cw, "startupProbe not on the metrics port")
        mounts = {m["name"]: m for m in c.get("volumeMounts") or []}
        vols = {v["name"] for v in ps.get("volumes") or []}
        for m in mounts:
            rep.check(m in vols, cw, f"volumeMount {m} has no volume")
        rep.check(any(m["mountPath"] == "/etc/harvest" for m in mounts.values()), cw, "harvest.toml is not mounted at /etc/harvest")
        args = c.get("args") or []
        if "--config" in args:
            i = args.index("--config")
            rep.check(i + 1 < len(args) and args[i + 1] == "/etc/harvest/harvest.toml", cw, "--config is not /etc/harvest/harvest.toml")
        else:
            rep.error(cw, "no --config argument")
        env = env_of(c)
        for name, e in env.items():
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                sname, key = ref["name"], ref["key"]
                if sname in ctx["secrets"]:
                    rep.check(key in ctx["secrets"][sname] or ref.get("optional") is True, cw,
                              f"env {name}: key {key} missing from Secret {sname}")
                else:
                    rep.check(sname in ctx["external_secrets"], cw, f"env {name}: Secret {sname} is neither rendered nor declared external")
            cref = (e.get("valueFrom") or {}).get("configMapKeyRef")
            if cref:
                rep.check(cref["name"] in ctx["configmaps"] and cref["key"] in ctx["configmaps"][cref["name"]], cw, f"env {name}: ConfigMap key missing")
        for required in ("HARVEST__AMQP__URL", "HARVEST__MONGODB__URI", "HARVEST__METRICS__BIND"):
            rep.check(required in env, cw, f"env {required} is not set")
        bind = (env.get("HARVEST__METRICS__BIND") or {}).get("value", "")
        rep.check(bind == f"0.0.0.0:{ports.get('metrics')}", cw, f"HARVEST__METRICS__BIND={bind!r} does not listen on the metrics port on all interfaces")
        g = (env.get("HARVEST__WORKER__SHUTDOWN_GRACE_SECS") or {}).get("value")
        if rep.check(g is not None and str(g).isdigit(), cw, "HARVEST__WORKER__SHUTDOWN_GRACE_SECS is not set to an integer"):
            rep.check(grace == int(g) + 10, where,
                      f"terminationGracePeriodSeconds={grace} is not HARVEST__WORKER__SHUTDOWN_GRACE_SECS+10={int(g) + 10}")
        cmd = c.get("command") or []
        if component.startswith("worker-"):
            role = component[len("worker-"):]
            rep.check(cmd == ["harvest-worker"], cw, f"command is {cmd}, expected harvest-worker")
            rep.check(role in WORKER_ROLES, cw, f"unknown role {role}")
            if "--roles" in args:
                i = args.index("--roles")
                rep.check(i + 1 < len(args) and args[i + 1] == role, cw, f"--roles is not {role}")
            else:
                rep.error(cw, "no --roles argument")
            ctx["worker_roles"][dep["metadata"]["name"]] = role
        elif component == "scheduler":
            rep.check(cmd == ["harvest-scheduler"], cw, f"command is {cmd}, expected harvest-scheduler")
            rep.check("serve" in args, cw, "scheduler is not run with serve")
            rep.check("http" in ports, cw, "no port named http for the admin API")
            api_bind = (env.get("HARVEST__API__BIND") or {}).get("value", "")
            rep.check(api_bind == f"0.0.0.0:{ports.get('http')}", cw, f"HARVEST__API__BIND={api_bind!r} does not match the http port")
        else:
            rep.error(cw, f"unexpected component {component}")


def deployments_selected(selector, ctx, namespace):
    return [d for d in ctx["deployments"].values()
            if d["metadata"].get("namespace") == namespace
            and matches(selector, d["spec"]["template"]["metadata"].get("labels") or {})]


def check_service(svc, ctx, rep):
    where = ident(svc)
    sel = svc["spec"].get("selector") or {}
    deps = deployments_selected(sel, ctx, svc["metadata"].get("namespace"))
    if not rep.check(bool(deps), where, f"selector {sel} matches no rendered Deployment"):
        return
    for port in svc["spec"]["ports"]:
        tp = port.get("targetPort")
        if isinstance(tp, str):
            for d in deps:
                names = {p.get("name") for c in pod_spec(d)["containers"] for p in c.get("ports") or []}
                rep.check(tp in names, where, f"targetPort {tp} is not a port of {ident(d)}")


def check_pdb(pdb, ctx, rep):
    where = ident(pdb)
    sel = pdb["spec"]["selector"].get("matchLabels") or {}
    deps = deployments_selected(sel, ctx, pdb["metadata"].get("namespace"))
    rep.check(len(deps) == 1, where, f"selector matches {len(deps)} Deployments, expected exactly 1")


def check_scale_target(obj, ctx, rep, owners):
    where = ident(obj)
    ref = obj["spec"]["scaleTargetRef"]
    name = ref["name"]
    rep.check(ref.get("kind", "Deployment") == "Deployment" and ref.get("apiVersion", "apps/v1") == "apps/v1", where, "scale target is not an apps/v1 Deployment")
    if not rep.check(name in ctx["deployments"], where, f"scale target Deployment {name} is not rendered"):
        return None
    owners.setdefault(name, []).append(where)
    return ctx["deployments"][name]


def check_scaledobject(so, ctx, rep, owners):
    where = ident(so)
    spec = so["spec"]
    dep = check_scale_target(so, ctx, rep, owners)
    lo, hi = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    rep.check(0 <= lo <= hi and hi >= 1, where, f"minReplicaCount={lo} maxReplicaCount={hi}")
    role = ctx["worker_roles"].get(dep["metadata"]["name"]) if dep else None
    for t in spec["triggers"]:
        tw = f"{where} trigger {t.get('name', t['type'])}"
        auth = (t.get("authenticationRef") or {}).get("name")
        if auth:
            rep.check(auth in ctx["triggerauths"], tw, f"TriggerAuthentication {auth} is not rendered")
        if t["type"] != "rabbitmq":
            continue
        md = t["metadata"]
        unknown = set(md) - RABBITMQ_KEYS
        rep.check(not unknown, tw, f"unknown rabbitmq trigger metadata {sorted(unknown)}")
        rep.check(md.get("mode") in ("QueueLength", "MessageRate"), tw, f"mode {md.get('mode')!r}")
        rep.check(md.get("protocol", "auto") in ("auto", "amqp", "http"), tw, f"protocol {md.get('protocol')!r}")
        for k, minimum in (("value", 0.0), ("activationValue", 0.0)):
            if k in md:
                try:
                    v = float(md[k])
                    rep.check(v > minimum if k == "value" else v >= minimum, tw, f"{k}={md[k]} out of range")
                except ValueError:
                    rep.error(tw, f"{k}={md[k]!r} is not a number")
        rep.check("value" in md, tw, "value (the target) is missing")
        rep.check(bool(auth) or "host" in md or "hostFromEnv" in md, tw, "no host: neither authenticationRef nor host/hostFromEnv")
        if role and ctx["queue_prefix"] is not None:
            expected = f"{ctx['queue_prefix']}{role}"
            rep.check(md.get("queueName") == expected, tw, f"queueName {md.get('queueName')!r}, expected {expected!r} (amqp.prefix + role)")


def check_triggerauth(ta, ctx, rep):
    where = ident(ta)
    for ref in ta["spec"].get("secretTargetRef") or []:
        name, key = ref["name"], ref["key"]
        if name in ctx["secrets"]:
            rep.check(key in ctx["secrets"][name], where, f"key {key} missing from Secret {name}")
        else:
            rep.check(name in ctx["external_secrets"], where, f"Secret {name} is neither rendered nor declared external")
    params = {r["parameter"] for r in ta["spec"].get("secretTargetRef") or []}
    rep.check("host" in params, where, "the rabbitmq scaler's host parameter is not provided")


def check_hpa(hpa, ctx, rep, owners):
    where = ident(hpa)
    dep = check_scale_target(hpa, ctx, rep, owners)
    spec = hpa["spec"]
    rep.check(1 <= spec.get("minReplicas", 1) <= spec["maxReplicas"], where, "minReplicas/maxReplicas out of order")
    if dep:
        for m in spec.get("metrics") or []:
            if m["type"] == "Resource":
                r = m["resource"]["name"]
                for c in pod_spec(dep)["containers"]:
                    rep.check(r in ((c.get("resources") or {}).get("requests") or {}), where, f"container {c['name']} has no {r} request")


def check_servicemonitor(sm, ctx, rep):
    where = ident(sm)
    spec = sm["spec"]
    sel = spec["selector"].get("matchLabels") or {}
    names = (spec.get("namespaceSelector") or {}).get("matchNames") or [sm["metadata"].get("namespace")]
    svcs = [s for s in ctx["services"] if s["metadata"].get("namespace") in names and matches(sel, s["metadata"].get("labels") or {})]
    if not rep.check(bool(svcs), where, f"selector {sel} matches no rendered Service"):
        return
    job_label = spec.get("jobLabel")
    jobs = set()
    for s in svcs:
        lbl = s["metadata"].get("labels") or {}
        if rep.check(job_label in lbl, where, f"Service {s['metadata']['name']} lacks the jobLabel {job_label}"):
            jobs.add(lbl[job_label])
        pnames = {p.get("name") for p in s["spec"]["ports"]}
        for ep in spec["endpoints"]:
            rep.check(ep.get("port") in pnames, where, f"endpoint port {ep.get('port')} is not a port of Service {s['metadata']['name']}")
    rep.check(jobs <= {"harvest-scheduler", "harvest-worker"} and jobs, where, f"job labels {sorted(jobs)} are not harvest-scheduler/harvest-worker")


def check_prometheusrule(pr, rep, promtool):
    where = ident(pr)
    if not promtool:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": pr["spec"]["groups"]}, f, sort_keys=False)
        path = f.name
    try:
        out = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
        rep.check(out.returncode == 0, where, f"promtool check rules failed:\n{out.stdout}{out.stderr}")
    finally:
        os.unlink(path)


def schema_type_ok(value, schema):
    t = schema.get("type")
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "array":
        return isinstance(value, list) and all(schema_type_ok(v, schema.get("items", {})) for v in value)
    return True


def check_configmap(cm, ctx, rep, config_schema):
    where = ident(cm)
    data = cm.get("data") or {}
    for key, text in data.items():
        if key.endswith(".toml"):
            try:
                toml = tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                rep.error(where, f"{key} is not valid TOML: {e}")
                continue
            ctx["toml"] = toml
            ctx["queue_prefix"] = (toml.get("amqp") or {}).get("prefix", "harvest.")
            if config_schema is None:
                continue
            sections = config_schema["properties"]
            for section, table in toml.items():
                if not rep.check(isinstance(table, dict), where, f"{key}: [{section}] is not a table"):
                    continue
                for k, v in table.items():
                    if (section, k) in CHART_OWNED_TOML:
                        rep.check(isinstance(v, (str, int)) and not isinstance(v, bool), where, f"{key}: {section}.{k} has a wrong type")
                        continue
                    prop = ((sections.get(section) or {}).get("properties") or {}).get(k)
                    if not rep.check(prop is not None, where, f"{key}: {section}.{k} is not a known setting"):
                        continue
                    rep.check(schema_type_ok(v, prop), where, f"{key}: {section}.{k} = {v!r} is not of type {prop.get('type')}")
        elif key.endswith(".json"):
            try:
                json.loads(text)
            except json.JSONDecodeError as e:
                rep.error(where, f"{key} is not valid JSON: {e}")


def check_secret(sec, rep):
    where = ident(sec)
    for k, v in (sec.get("data") or {}).items():
        try:
            base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            rep.error(where, f"data.{k} is not base64")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--kubernetes-version", default="1.29")
    ap.add_argument("--values-schema", help="values.schema.json, to type-check harvest.toml")
    ap.add_argument("--external-secret", action="append", default=[])
    ap.add_argument("--external-service-account", action="append", default=[])
    ap.add_argument("--promtool", help="promtool binary, to check PrometheusRule expressions")
    args = ap.parse_args()

    config_schema = None
    if args.values_schema:
        with open(args.values_schema) as f:
            config_schema = json.load(f)["properties"]["config"]

    rep = Report()
    docs = []
    for path in args.files:
        try:
            docs.extend(load_docs(path))
        except yaml.YAMLError as e:
            rep.error(path, f"not valid YAML: {e}")
    validate_schemas(docs, args.kubernetes_version, rep)

    ctx = {
        "deployments": {}, "services": [], "configmaps": {}, "secrets": {}, "serviceaccounts": set(),
        "triggerauths": set(), "worker_roles": {}, "queue_prefix": None, "toml": None,
        "external_secrets": set(args.external_secret), "external_sas": set(args.external_service_account),
    }
    names = set()
    for d in docs:
        if not isinstance(d.get("metadata"), dict):
            continue
        key = (d.get("kind"), d["metadata"].get("namespace"), d["metadata"].get("name"))
        rep.check(key not in names, ident(d), "rendered twice (same kind, namespace and name)")
        names.add(key)
        kind, name = d.get("kind"), d["metadata"].get("name")
        if kind == "Deployment":
            ctx["deployments"][name] = d
        elif kind == "Service":
            ctx["services"].append(d)
        elif kind == "ConfigMap":
            ctx["configmaps"][name] = d.get("data") or {}
        elif kind == "Secret":
            ctx["secrets"][name] = {**(d.get("data") or {}), **(d.get("stringData") or {})}
        elif kind == "ServiceAccount":
            ctx["serviceaccounts"].add(name)
        elif kind == "TriggerAuthentication":
            ctx["triggerauths"].add(name)

    if rep.errors:  # schema failures make the deeper checks unreliable
        return finish(rep, docs)

    for d in docs:
        check_metadata(d, rep)
        if d["kind"] == "ConfigMap":
            check_configmap(d, ctx, rep, config_schema)
        elif d["kind"] == "Secret":
            check_secret(d, rep)
    rep.check(ctx["toml"] is not None, "chart", "no ConfigMap holds a harvest.toml")
    for d in ctx["deployments"].values():
        check_deployment(d, ctx, rep)
    owners = {}
    for d in docs:
        kind = d["kind"]
        if kind == "Service":
            check_service(d, ctx, rep)
        elif kind == "PodDisruptionBudget":
            check_pdb(d, ctx, rep)
        elif kind == "ScaledObject":
            check_scaledobject(d, ctx, rep, owners)
        elif kind == "TriggerAuthentication":
            check_triggerauth(d, ctx, rep)
        elif kind == "HorizontalPodAutoscaler":
            check_hpa(d, ctx, rep, owners)
        elif kind == "ServiceMonitor":
            check_servicemonitor(d, ctx, rep)
        elif kind == "PrometheusRule":
            check_prometheusrule(d, rep, args.promtool)
    for name, dep in ctx["deployments"].items():
        owned = owners.get(name, [])
        rep.check(len(owned) <= 1, f"Deployment/{name}", f"scaled by several autoscalers: {owned}")
        if owned:
            rep.check("replicas" not in dep["spec"], f"Deployment/{name}", f"sets replicas although {owned[0]} owns the count")
    toml = ctx["toml"] or {}
    for d in ctx["deployments"].values():
        for c in pod_spec(d)["containers"]:
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports") or []}
            mb = (toml.get("metrics") or {}).get("bind")
            rep.check(mb == f"0.0.0.0:{ports.get('metrics')}", ident(d), f"harvest.toml metrics.bind={mb!r} differs from the metrics port")
            if "http" in ports:
                ab = (toml.get("api") or {}).get("bind")
                rep.check(ab == f"0.0.0.0:{ports['http']}", ident(d), f"harvest.toml api.bind={ab!r} differs from the http port")
    return finish(rep, docs)


def finish(rep, docs):
    kinds = {}
    for d in docs:
        kinds[d.get("kind", "?")] = kinds.get(d.get("kind", "?"), 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    if rep.errors:
        for e in rep.errors:
            print(f"  ERROR {e}")
        print(f"  {len(rep.errors)} error(s) in {len(docs)} manifests ({summary})")
        return 1
    print(f"  ok: {len(docs)} manifests valid ({summary})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KeyError, TypeError, AttributeError, IndexError) as e:  # malformed manifest
        print(f"  ERROR validator could not walk the manifests: {type(e).__name__}: {e}")
        sys.exit(1)
