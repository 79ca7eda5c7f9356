#!/usr/bin/env python3
"""Checks that values.schema.json's `config` section mirrors common/src/settings.rs.

  check-settings-schema.py common/src/settings.rs helm/harvester/values.schema.json

Every field of the settings structs must be described in the schema with a matching JSON type,
except the keys the chart sets itself or takes from the Secret (OWNED below), and the schema
must describe no key the application does not have: the application ignores unknown TOML keys,
so a stale or misspelt key in the schema would silently do nothing.
"""

import json
import re
import sys

# Keys the chart owns (env vars, arguments) or takes from the Secret: refused in `config`.
OWNED = {
    ("amqp", "url"), ("mongodb", "uri"), ("api", "bind"), ("api", "tokens"),
    ("metrics", "bind"), ("worker", "roles"), ("worker", "shutdown_grace_secs"),
}


def rust_type_to_json(t):
    t = t.strip()
    if t.startswith("Vec<"):
        return "array"
    if t.startswith("Option<"):
        return rust_type_to_json(t[len("Option<"):-1])
    if re.fullmatch(r"[ui](8|16|32|64|128|size)", t):
        return "integer"
    if t in ("f32", "f64"):
        return "number"
    if t in ("String", "&str"):
        return "string"
    if t == "bool":
        return "boolean"
    return None


def parse_structs(src):
    structs = {}
    for m in re.finditer(r"pub struct (\w+)\s*\{(.*?)\n\}", src, re.S):
        fields = {}
        for f in re.finditer(r"^\s*pub (\w+):\s*([^,\n]+),", m.group(2), re.M):
            fields[f.group(1)] = f.group(2).strip()
        structs[m.group(1)] = fields
    return structs


def main():
    settings_rs, schema_json = sys.argv[1], sys.argv[2]
    with open(settings_rs) as f:
        structs = parse_structs(f.read())
    with open(schema_json) as f:
        config = json.load(f)["properties"]["config"]["properties"]
    errors = []
    root = structs.get("Settings")
    if not root:
        print("  ERROR no `pub struct Settings` in", settings_rs)
        return 1
    seen = set()
    for section, struct in root.items():
        fields = structs.get(struct)
        if fields is None:
            errors.append(f"struct {struct} of section {section} not found")
            continue
        for key, rtype in fields.items():
            seen.add((section, key))
            if (section, key) in OWNED:
                if key in (config.get(section, {}).get("properties") or {}):
                    errors.append(f"{section}.{key} is set by the chart but accepted in config")
                continue
            prop = (config.get(section, {}).get("properties") or {}).get(key)
            if prop is None:
                errors.append(f"{section}.{key} ({rtype}) is missing from values.schema.json config.{section}")
                continue
            want = rust_type_to_json(rtype)
            if want and prop.get("type") != want:
                errors.append(f"{section}.{key}: schema type {prop.get('type')}, settings.rs {rtype} ({want})")
    for section, sec in config.items():
        for key in (sec.get("properties") or {}):
            if (section, key) not in seen:
                errors.append(f"config.{section}.{key} is in the schema but not in settings.rs")
    if errors:
        for e in errors:
            print("  ERROR", e)
        return 1
    print(f"  ok: {len(seen) - len(OWNED)} settings described, {len(OWNED)} owned by the chart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
