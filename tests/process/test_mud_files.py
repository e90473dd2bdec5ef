#!/usr/bin/env python3
"""`spinctl mud validate` and `spinctl mud verify` against independent
oracles: every shared MUD file parses with the ACL and ACE counts and the
MUD URL that Python's own JSON reading of it gives; broken files and bad
usage get their exit status; signatures made by the openssl tool (as a
manufacturer makes them) verify, and tampered ones, foreign anchors and the
expired Cisco CA do not."""
import glob
import json
import os
import subprocess
import tempfile

import spintest as t

ACL_CONTAINERS = ("ietf-access-control-list:acls", "ietf-access-control-list:access-lists")
DIALECT_OF_FOLDER = {"unsw": "pre-rfc", "draft": "draft", "nist": "rfc8520", "mudmaker": "rfc8520", "cisco": "rfc8520"}


def spinctl(*args):
    return subprocess.run([t.SPINCTL, "mud", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def validate(path, *extra):
    p = spinctl("validate", path, "--json", *extra)
    assert p.returncode in (0, 1), (path, p.returncode, p.stderr)
    out = json.loads(p.stdout)
    assert out["valid"] == (p.returncode == 0), (path, out)
    return out


def independent_counts(path):
    doc = json.load(open(path))
    acls = next(doc[k] for k in ACL_CONTAINERS if k in doc)["acl"]
    aces = sum(len((a.get("aces") or a.get("access-list-entries"))["ace"]) for a in acls)
    return doc["ietf-mud:mud"]["mud-url"], len(acls), aces


def check_corpus():
    root = os.path.join(t.corpus_dir(), "mud")
    files = sorted(glob.glob(os.path.join(root, "*", "*.json")))
    if not files:
        print(f"note: no MUD files at {root}; the shared-corpus checks are skipped")
        return
    total = 0
    for path in files:
        url, acls, aces = independent_counts(path)
        out = validate(path)
        assert out["valid"], (path, out["errors"])
        assert (out["mud_url"], out["acls"], out["aces"]) == (url, acls, aces), (path, out, (url, acls, aces))
        assert out["dialect"] == DIALECT_OF_FOLDER[os.path.basename(os.path.dirname(path))], (path, out["dialect"])
        strict = validate(path, "--strict")
        # --strict turns exactly the tolerated departures into errors.
        assert strict["valid"] == (not out["warnings"]), (path, strict)
        assert sorted(strict["errors"]) == sorted(out["warnings"]), path
        total += aces
    biggest = max(files, key=lambda f: independent_counts(f)[2])
    print(f"corpus: {len(files)} MUD files, {total} ACEs, every count as Python reads the JSON; "
          f"the biggest ({os.path.basename(biggest)}) has {independent_counts(biggest)[2]}")


GOOD = {
    "ietf-mud:mud": {
        "mud-version": 1, "mud-url": "https://thing.example/mud.json", "last-update": "2026-12-01T00:00:00Z",
        "cache-validity": 48, "is-supported": True, "systeminfo": "a test thing",
        "from-device-policy": {"access-lists": {"access-list": [{"name": "fr"}]}},
        "to-device-policy": {"access-lists": {"access-list": [{"name": "to"}]}},
    },
    "ietf-access-control-list:acls": {"acl": [
        {"name": "fr", "type": "ipv4-acl-type", "aces": {"ace": [{
            "name": "cloud", "matches": {
                "ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": "cloud.thing.example"},
                "tcp": {"destination-port": {"operator": "eq", "port": 443},
                        "ietf-mud:direction-initiated": "from-device"}},
            "actions": {"forwarding": "accept"}}]}},
        {"name": "to", "type": "ipv4-acl-type", "aces": {"ace": [{
            "name": "cloud", "matches": {
                "ipv4": {"protocol": 6, "ietf-acldns:src-dnsname": "cloud.thing.example"},
                "tcp": {"source-port": {"operator": "eq", "port": 443},
                        "ietf-mud:direction-initiated": "from-device"}},
            "actions": {"forwarding": "accept"}}]}},
    ]},
}


def check_broken(d):
    good = os.path.join(d, "good.json")
    json.dump(GOOD, open(good, "w"), indent=1)
    out = validate(good, "--strict")
    assert out["valid"] and out["acls"] == 2 and out["aces"] == 2 and not out["warnings"], out
    human = spinctl("validate", good)
    assert human.returncode == 0 and "valid (rfc8520)" in human.stdout and "2 ACLs, 2 ACEs" in human.stdout, human

    text = json.dumps(GOOD)
    broken = {
        "truncated": (text[: len(text) // 2], "/: not JSON"),
        "http": (text.replace("https://thing.example", "http://thing.example"), "/ietf-mud:mud/mud-url: "),
        "dangling": (text.replace('[{"name": "to"}]', '[{"name": "gone"}]'),
                     "/ietf-mud:mud/to-device-policy/access-lists/access-list/0: names ACL \"gone\""),
        "port": (text.replace('"port": 443', '"port": 70000', 1),
                 "/ietf-access-control-list:acls/acl/0/aces/ace/0/matches/tcp/destination-port/port: 70000"),
    }
    for name, (body, want) in broken.items():
        path = os.path.join(d, name + ".json")
        open(path, "w").write(body)
        out = validate(path)
        assert not out["valid"] and any(e.startswith(want) for e in out["errors"]), (name, want, out["errors"])
        assert spinctl("validate", path).returncode == 1
    for args in ((), ("validate",), ("validate", os.path.join(d, "absent.json")), ("frobnicate",),
                 ("validate", good, "--no-such-option"), ("verify", good)):
        p = spinctl(*args)
        assert p.returncode == 2 and p.stderr, (args, p.returncode, p.stderr)
    print(f"broken files: {len(broken)} refused with the path of the fault; 6 usage errors exit 2")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", f"/O={name}/CN={name} MUD CA", "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.pem", cwd=d)


def make_signer(d, ca, name):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
            f"/O={ca}/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}-ca.pem", "-CAkey", f"{ca}-ca.key",
            "-CAcreateserial", "-days", "1", "-out", f"{name}.pem", cwd=d)


def verify(d, content, sig, ca, *extra):
    p = spinctl("verify", os.path.join(d, content), "--signature", os.path.join(d, sig), "--ca", os.path.join(d, ca),
                "--json", *extra)
    out = json.loads(p.stdout)
    assert p.returncode == (0 if out["ok"] else 1), (p.returncode, out)
    return out


def check_signatures(d):
    json.dump(GOOD, open(os.path.join(d, "thing.json"), "w"), indent=1)
    make_ca(d, "maker")
    make_ca(d, "other")
    make_signer(d, "maker", "mud-signer")
    for form, sig in (("DER", "thing.p7s"), ("PEM", "thing.p7s.pem")):
        openssl("cms", "-sign", "-binary", "-in", "thing.json", "-signer", "mud-signer.pem", "-inkey", "mud-signer.key",
                "-outform", form, "-out", sig, cwd=d)
        out = verify(d, "thing.json", sig, "maker-ca.pem")
        assert out["ok"] and "CN = mud-signer" in out["signer"] and "maker MUD CA" in out["issuer"], (form, out)
    openssl("cms", "-sign", "-binary", "-nodetach", "-in", "thing.json", "-signer", "mud-signer.pem", "-inkey",
            "mud-signer.key", "-outform", "DER", "-out", "attached.p7s", cwd=d)
    assert "not detached" in verify(d, "thing.json", "attached.p7s", "maker-ca.pem")["reason"]
    foreign = verify(d, "thing.json", "thing.p7s", "other-ca.pem")
    assert not foreign["ok"] and "unable to get local issuer certificate" in foreign["reason"], foreign
    tampered = open(os.path.join(d, "thing.json")).read().replace("cloud.thing.example", "cloud.evil.example", 1)
    open(os.path.join(d, "tampered.json"), "w").write(tampered)
    assert not verify(d, "tampered.json", "thing.p7s", "maker-ca.pem")["ok"]
    print("signatures made by openssl: DER and PEM verify; attached, foreign-anchored and tampered ones do not")

    cisco = os.path.join(t.corpus_dir(), "mud", "cisco")
    if not os.path.isdir(cisco):
        print(f"note: no {cisco}; the expired-CA check is skipped")
        return
    expired = verify(cisco, "Luminaire_150.json", "Luminaire_150.p7s", "luminaire-cacert.pem")
    assert not expired["ok"] and "expired" in expired["reason"], expired
    timeless = verify(cisco, "Luminaire_150.json", "Luminaire_150.p7s", "luminaire-cacert.pem", "--ignore-time")
    assert timeless["ok"] and "luminaire.example.com" in timeless["signer"], timeless
    print(f"cisco: refused ({expired['reason']}); with --ignore-time signed by {timeless['signer']}")


def main():
    check_corpus()
    with tempfile.TemporaryDirectory(prefix="spin-mud-") as d:
        check_broken(d)
        check_signatures(d)
    print("ok")


if __name__ == "__main__":
    main()
