#!/usr/bin/env python3
"""Lists message keys used in src/ and templates/ that a locale file lacks,
and keys a locale has that the other does not. Dynamic keys (built with
format!) are listed in DYNAMIC below."""
import re, sys, pathlib, yaml

root = pathlib.Path(__file__).resolve().parent.parent
def flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat(v, key + "."))
        else:
            out[key] = v
    return out

locales = {p.stem: flat(yaml.safe_load(p.read_text())) for p in (root / "locales").glob("*.yml")}
used = set()
for p in list((root / "src").rglob("*.rs")) + list((root / "templates").rglob("*.html")):
    text = p.read_text()
    used |= set(re.findall(r'\bt[f]?\(\s*"([a-z_]+(?:\.[a-z_0-9]+)+)"', text))
    used |= {k for k in re.findall(r'"((?:form|staff|track|submit|error|home|app|admin|dashboard|projects|rating|open311|export)\.[a-z_.0-9]+)"', text)
             if not k.endswith(".html")}
DYNAMIC = {
    "state": ["submitted", "accepted", "assigned", "in_progress", "resolved", "closed", "rejected", "merged"],
    "channel": ["leader", "department", "micro", "volunteer", "online"],
    "source": ["web", "radio", "phone", "walk-in", "api", "staff"],
    "role": ["admin", "dispatcher", "leader", "unit", "volunteer"],
    "staff.action": ["accept", "reject", "merge", "dispatch", "claim", "sign", "return", "resolve", "verify",
                     "send_back", "close", "reopen", "note", "urge", "ask_extension", "decide_extension", "reroute"],
    "event": ["submitted", "accept", "reject", "merge", "dispatch", "claim", "sign", "return", "resolve", "verify",
              "send_back", "rate_satisfied", "rate_unsatisfied", "timeout", "close", "reopen", "note", "urge",
              "extension_requested", "extension_approved", "extension_refused", "reroute_leader",
              "reroute_department", "reroute_micro", "reroute_volunteer", "reroute_online"],
    "staff.inbox": ["sort_newest", "sort_oldest", "sort_due", "sort_updated"],
    "rating": ["satisfied", "basic", "unsatisfied"],
    "staff.fund": ["kind_allocation", "kind_reservation", "kind_release", "kind_spend"],
    "staff.volunteer": ["claim_recipient", "claim_post"],
    "staff.plan": [f"{k}_{p}" for k in ["project", "department", "micro", "service"] for p in ["title", "intro", "unit"]],
    "event ": [],
}
DYNAMIC["staff.action"] += ["instruct", "milestone"]
DYNAMIC["admin"] = ["kind_district", "kind_department", "kind_town", "kind_community"]
DYNAMIC["event"] += ["rate_basic", "instruction", "milestone"]
DYNAMIC.pop("event ")
for group, names in DYNAMIC.items():
    used |= {f"{group}.{n}" for n in names}
bad = 0
for name, keys in locales.items():
    for key in sorted(used - set(keys)):
        print(f"{name}: missing {key}")
        bad += 1
names = list(locales)
for a in names:
    for b in names:
        for key in sorted(set(locales[a]) - set(locales[b])):
            print(f"{b}: lacks {key} (in {a})")
            bad += 1
sys.exit(1 if bad else 0)
