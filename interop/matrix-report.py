#!/usr/bin/env python3
"""Writes the interop matrix of docs/interop.md from the failsafe reports of the matrix ITs.

    ./mvnw -B verify -pl interop,swarm -am -Dit.test='*InteropMatrixIT' -Dtest=none \
        -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
    python3 interop/matrix-report.py          # rewrites the table between the markers

The table is made from swarm/target/failsafe-reports/TEST-*InteropMatrixIT.xml only, with the
versions read from the lock files (go.mod, Cargo.lock, package-lock.json); nothing in it is
written by hand. A cell that did not run says so.
"""
import json
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parent.parent
REPORTS = ROOT / "swarm/target/failsafe-reports"
DOC = ROOT / "docs/interop.md"
BEGIN, END = "<!-- matrix:begin (interop/matrix-report.py writes this) -->", "<!-- matrix:end -->"

ROWS = [("js", "JsInteropMatrixIT", "js-libp2p"), ("go", "GoInteropMatrixIT", "go-libp2p"),
        ("rust", "RustInteropMatrixIT", "rust-libp2p")]
# The parameter index of InteropMatrix.Transport: the enum's order.
TRANSPORTS = {"1": "QUIC", "2": "TCP (Noise, Yamux)"}
COLUMNS = [("dialAndPingBothWays", "dial + ping, both ways"), ("identifyBothWays", "identify, both ways"),
           ("echoOneMebibyteBothWays", "1 MiB echo, both ways"),
           ("kademliaBootstrapAndPutGetBothWays", "Kademlia bootstrap + PUT/GET, both ways"),
           ("wrongPeerIdRefusedBothWays", "wrong /p2p id refused, both ways")]


def versions():
    found = {}
    gomod = (ROOT / "interop/go/go.mod").read_text()
    for module, name in [("github.com/libp2p/go-libp2p", "go-libp2p"), ("github.com/libp2p/go-libp2p-kad-dht", "go-libp2p-kad-dht"),
                         ("github.com/quic-go/quic-go", "quic-go")]:
        m = re.search(r"^\s*" + re.escape(module) + r" (v\S+)", gomod, re.M)
        found[name] = m.group(1) if m else "?"
    lock = (ROOT / "interop/rust/Cargo.lock").read_text()
    for crate in ["libp2p", "libp2p-quic", "quinn", "libp2p-kad"]:
        m = re.search(r'\[\[package\]\]\nname = "' + re.escape(crate) + r'"\nversion = "([^"]+)"', lock)
        found["crate:" + crate] = m.group(1) if m else "?"
    packages = json.loads((ROOT / "interop/package-lock.json").read_text()).get("packages", {})
    for package in ["libp2p", "@chainsafe/libp2p-quic", "@libp2p/kad-dht"]:
        found["npm:" + package] = packages.get("node_modules/" + package, {}).get("version", "?")
    return found


def results(report):
    path = REPORTS / f"TEST-io.github.p2pboot.interop.{report}.xml"
    if not path.exists():
        return None
    cells = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        m = re.match(r"(\w+)\(Transport\)\[(\d+)\]", case.get("name", ""))
        if not m:
            continue
        if case.find("skipped") is not None:
            outcome = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome = "FAILS"
        else:
            outcome = "passes"
        cells[(m.group(1), m.group(2))] = (outcome, float(case.get("time", "0")))
    return cells


def table():
    v = versions()
    lines = [
        "| peer | transport | " + " | ".join(title for _, title in COLUMNS) + " |",
        "| --- | --- | " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for _, report, name in ROWS:
        cells = results(report)
        for index, transport in TRANSPORTS.items():
            row = []
            for method, _ in COLUMNS:
                if cells is None:
                    row.append("not run")
                else:
                    outcome, seconds = cells.get((method, index), ("not run", 0))
                    row.append(outcome if outcome != "passes" else f"passes ({seconds:.1f} s)")
            lines.append(f"| {name} | {transport} | " + " | ".join(row) + " |")
    lines += [
        "",
        f"Versions: go-libp2p {v['go-libp2p']} (go-libp2p-kad-dht {v['go-libp2p-kad-dht']}, quic-go {v['quic-go']}); "
        f"rust-libp2p {v['crate:libp2p']} (libp2p-quic {v['crate:libp2p-quic']} on quinn {v['crate:quinn']}, "
        f"libp2p-kad {v['crate:libp2p-kad']}); "
        f"js-libp2p {v['npm:libp2p']} (@chainsafe/libp2p-quic {v['npm:@chainsafe/libp2p-quic']}, "
        f"@libp2p/kad-dht {v['npm:@libp2p/kad-dht']}).",
    ]
    return "\n".join(lines)


def main():
    if not any(REPORTS.glob("TEST-*InteropMatrixIT.xml")):
        sys.exit(f"no matrix reports in {REPORTS}: run the matrix ITs first (see this script's docstring)")
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{DOC} has no matrix markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + BEGIN + "\n" + table() + "\n" + END + tail)
    print(f"wrote the matrix into {DOC}")


if __name__ == "__main__":
    main()
