#!/usr/bin/env python3
"""toml-test corpus runner for toml-decode (CTest: toml_corpus, label unit).

usage: run_corpus.py TOML_DECODE CORPUS_DIR

CORPUS_DIR is the toml-test "tests" directory shipped by Debian's
golang-github-burntsushi-toml-dev (scripts/setup installs it):
/usr/share/gocode/src/github.com/BurntSushi/toml/internal/toml-test/tests

Every valid/**/*.toml must decode (exit 0) to JSON equal to its .json twin; every
invalid/**/*.toml must be refused: exit 1 with a message on stderr (a crash, a timeout or
any other exit status is a failure). Comparison follows the package's json.go: tables
key by key, arrays element by element, leaves {"type", "value"} by type and then by value:
integers as integers, floats as floats (nan equals nan, signs of nan ignored, inf by sign),
date-times as points in time (offset date-times normalized to UTC, fractions exact),
strings and bools as strings. (json.go's cmpAsDatetimes parses the expected value twice and
so never compares the decoder's; this runner does compare them.)

Cases that toml-test leaves out for TOML 1.0.0 are read from ../version.go (the exclude
lists of "1.0.0" and what it inherits) and counted as skipped; if version.go cannot be read,
the list below is used, copied from that file.
"""
import calendar
import fnmatch
import json
import os
import re
import subprocess
import sys
from fractions import Fraction

VERSION = "1.0.0"
# From internal/toml-test/version.go, versions["1.0.0"].exclude (TOML 1.1 only).
FALLBACK_EXCLUDES = ["valid/string/escape-esc"]  # \e
TIMEOUT = 10


def read_excludes(corpus):
    """Exclude patterns for VERSION from version.go, following `inherit`; None if unreadable."""
    path = os.path.join(os.path.dirname(os.path.abspath(corpus)), "version.go")
    try:
        with open(path, encoding="utf-8") as f:
            src = f.read()
    except OSError:
        return None
    specs = {}
    heads = list(re.finditer(r'"([^"]+)":\s*versionSpec\{', src))
    for i, m in enumerate(heads):
        body = src[m.end() : heads[i + 1].start() if i + 1 < len(heads) else len(src)]
        inherit = re.search(r'inherit:\s*"([^"]*)"', body)
        excl = re.search(r"exclude:\s*\[\]string\{(.*?)\}", body, re.S)
        specs[m.group(1)] = (
            inherit.group(1) if inherit else "",
            re.findall(r'"([^"]+)"', excl.group(1)) if excl else [],
        )
    if VERSION not in specs:
        return None
    out, v, seen = [], VERSION, set()
    while v and v not in seen and v in specs:
        seen.add(v)
        out += specs[v][1]
        v = specs[v][0]
    return out


def go_match(pattern, name):
    """filepath.Match: '*' does not cross '/'."""
    return fnmatch.fnmatchcase(name, pattern) and name.count("/") == pattern.count("/")


DT_RE = re.compile(
    r"^(?:(\d{4})-(\d{2})-(\d{2}))?(?:[Tt ]?(\d{2}):(\d{2}):(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$"
)


def datetime_key(kind, text):
    """A comparable value for a date-time string of toml-test type `kind`, or None."""
    m = DT_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, off = m.groups()
    has_date, has_time = y is not None, h is not None
    want = {
        "datetime": (True, True, True),
        "datetime-local": (True, True, False),
        "date-local": (True, False, False),
        "time-local": (False, True, False),
    }[kind]
    if (has_date, has_time, off is not None) != want:
        return None
    if not has_time:
        return (int(y), int(mo), int(d))
    secs = int(h) * 3600 + int(mi) * 60 + int(s)
    fr = Fraction(frac[1:] + "") / 10 ** (len(frac) - 1) if frac else Fraction(0)
    if not has_date:
        return (secs, fr)
    # timegm does plain arithmetic, so second 60 is fine
    t = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s), 0, 0, 0))
    if off and off not in "Zz":
        sign = -1 if off[0] == "-" else 1
        t -= sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60)
    return (t, fr)


def float_key(text):
    try:
        f = float(text)
    except ValueError:
        return None
    return "nan" if f != f else f


def is_leaf(v):
    return isinstance(v, dict) and set(v) == {"type", "value"} and isinstance(v["type"], str)


def compare(want, have, key="<root>"):
    """None when equal, else a description of the first difference."""
    if is_leaf(want):
        if not is_leaf(have):
            return "key %s: expected a %s value, got %s" % (key, want["type"], json.dumps(have)[:80])
        wt, ht = want["type"], have["type"]
        if wt != ht:
            return "key %s: expected type %s, got %s" % (key, wt, ht)
        if wt == "array":  # older toml-test format: {"type": "array", "value": [...]}
            return compare(want["value"], have["value"], key)
        wv, hv = want["value"], have["value"]
        if not isinstance(hv, str):
            return "key %s: value is not a string: %r" % (key, hv)
        if wt == "integer":
            ok = re.fullmatch(r"[+-]?\d+", hv) is not None and int(wv) == int(hv)
        elif wt == "float":
            ok = float_key(hv) is not None and float_key(wv) == float_key(hv)
        elif wt in ("datetime", "datetime-local", "date-local", "time-local"):
            ok = datetime_key(wt, hv) is not None and datetime_key(wt, wv) == datetime_key(wt, hv)
        else:
            ok = wv == hv
        return None if ok else "key %s: expected %s %r, got %r" % (key, wt, wv, hv)
    if isinstance(want, dict):
        if not isinstance(have, dict) or is_leaf(have):
            return "key %s: expected a table, got %s" % (key, json.dumps(have)[:80])
        missing = [k for k in want if k not in have]
        extra = [k for k in have if k not in want]
        if missing:
            return "key %s: missing key(s) %s" % (key, ", ".join(map(repr, missing)))
        if extra:
            return "key %s: unexpected key(s) %s" % (key, ", ".join(map(repr, extra)))
        for k in want:
            r = compare(want[k], have[k], k if key == "<root>" else key + "." + k)
            if r:
                return r
        return None
    if isinstance(want, list):
        if not isinstance(have, list):
            return "key %s: expected an array, got %s" % (key, json.dumps(have)[:80])
        if len(want) != len(have):
            return "key %s: expected %d array elements, got %d" % (key, len(want), len(have))
        for i, (w, h) in enumerate(zip(want, have)):
            r = compare(w, h, "%s[%d]" % (key, i))
            if r:
                return r
        return None
    return "bad expected value at key %s: %r" % (key, want)


def run_decoder(decoder, path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        p = subprocess.run([decoder], input=data, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out after %d s" % TIMEOUT
    return p.returncode, p.stdout, p.stderr


def describe_exit(rc):
    return "killed by signal %d" % -rc if rc < 0 else "exit %d" % rc


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    decoder, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(os.path.join(corpus, "valid")) or not os.path.isdir(
        os.path.join(corpus, "invalid")
    ):
        print(
            "toml-test: corpus not found at %s\n"
            "  it ships with Debian's golang-github-burntsushi-toml-dev; run scripts/setup "
            "(or apt-get install golang-github-burntsushi-toml-dev)" % corpus,
            file=sys.stderr,
        )
        return 2
    if not os.access(decoder, os.X_OK):
        print("toml-test: decoder %s is not an executable" % decoder, file=sys.stderr)
        return 2
    excludes = read_excludes(corpus)
    if excludes is None:
        print("toml-test: cannot read version.go next to the corpus; using the built-in "
              "exclude list", file=sys.stderr)
        excludes = FALLBACK_EXCLUDES

    cases = []
    for kind in ("valid", "invalid"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(corpus, kind)):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.endswith(".toml"):
                    rel = os.path.relpath(os.path.join(dirpath, fn), corpus)[: -len(".toml")]
                    cases.append(rel.replace(os.sep, "/"))

    passed, failed, skipped = 0, [], []
    for case in cases:
        if any(go_match(e, case) for e in excludes):
            skipped.append(case)
            continue
        rc, out, err = run_decoder(decoder, os.path.join(corpus, case + ".toml"))
        problem = None
        if case.startswith("invalid/"):
            if rc != 1:
                problem = ("accepted an invalid document" if rc == 0 else
                           "timed out" if rc is None else describe_exit(rc))
            elif not err.strip():
                problem = "refused without a message on stderr"
        elif rc != 0:
            problem = "refused a valid document (%s)" % ("timed out" if rc is None
                                                         else describe_exit(rc))
        else:
            try:
                with open(os.path.join(corpus, case + ".json"), encoding="utf-8") as f:
                    want = json.load(f)
            except (OSError, ValueError) as e:
                problem = "cannot read the expected JSON: %s" % e
            else:
                try:
                    have = json.loads(out.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as e:
                    problem = "output is not JSON: %s" % e
                else:
                    problem = compare(want, have)
        if problem:
            failed.append((case, problem, out, err))
        else:
            passed += 1

    for case, problem, out, err in failed:
        print("FAIL %s: %s" % (case, problem))
        for label, text in (("stdout", out), ("stderr", err)):
            text = text.decode("utf-8", "replace").strip()
            if text:
                print("  %s: %s" % (label, text[:2000].replace("\n", "\n    ")))
    if os.environ.get("TOML_CORPUS_VERBOSE"):
        for case in skipped:
            print("SKIP %s (not TOML %s, per version.go)" % (case, VERSION))
    print("toml-test: %d passed, %d failed, %d skipped" % (passed, len(failed), len(skipped)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
