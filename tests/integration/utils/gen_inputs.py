#!/usr/bin/env python3
"""Writes the input files of the utilities' tests (tests/integration/utils) into DIR.

Deterministic (a fixed-seed PRNG): the same files for the guest image and the host run.
usage: gen_inputs.py DIR
"""
import os
import random
import sys


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(14)
    words = ["alpha", "beta", "gamma", "delta", "Epsilon", "zeta", "eta", "Theta", "iota",
             "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau"]

    def write(name, text, mode="w"):
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(text)

    # prose: lines of words, some blank, tabs, repeated lines for uniq
    lines = []
    for i in range(200):
        n = rnd.randrange(0, 9)
        sep = "\t" if i % 17 == 0 else " "
        lines.append(sep.join(rnd.choice(words) for _ in range(n)))
    write("words.txt", "\n".join(lines) + "\n")
    write("noeol.txt", "first line\nsecond line\nno newline at the end")
    write("empty.txt", "")
    # numbers for sort -n, seq comparisons, cut
    nums = [str(rnd.randrange(-500, 500)) for _ in range(120)]
    write("nums.txt", "\n".join(nums) + "\n")
    # a table: name:uid:score:city, with duplicates and ties for sort -k/-t/-u
    cities = ["Oslo", "Lima", "Pune", "Kyiv", "Nice", "Bern"]
    rows = []
    for i in range(80):
        rows.append("%s:%d:%d:%s" % (rnd.choice(words), 1000 + rnd.randrange(40),
                                     rnd.randrange(100), rnd.choice(cities)))
    write("table.txt", "\n".join(rows) + "\n")
    # sorted with runs, for uniq
    runs = []
    for w in sorted(words):
        runs += [w] * rnd.randrange(1, 4)
    write("runs.txt", "\n".join(runs) + "\n")
    # code-like text for grep/sed
    code = []
    for i in range(60):
        code.append(rnd.choice([
            "int x%d = %d;" % (i, rnd.randrange(1000)),
            "    return foo(%d, bar);" % i,
            "// TODO: fix item %d" % i,
            "char *name = \"item-%d\";" % i,
            "if (a%d == b) { call(); }" % i,
            "",
            "#define MAX_%d %d" % (i, rnd.randrange(99)),
            "email: user%d@example.com, tel 555-%04d" % (i, rnd.randrange(10000)),
        ]))
    write("code.c", "\n".join(code) + "\n")
    # binary-ish bytes for hexdump and wc -c
    data = bytes(rnd.randrange(256) for _ in range(300)) + b"Veridian\x00\x01\x02tail"
    write("bytes.bin", data, "wb")
    # a small tree for ls -R, find, cp -r, rm -r
    write("tree/a.txt", "A\n")
    write("tree/b.c", "int b;\n")
    write("tree/sub/c.txt", "C\n")
    write("tree/sub/deep/d.c", "int d;\n")
    write("tree/sub/deep/e.txt", "E\n")
    write("tree/.hidden", "h\n")
    write("tree/other/f.txt", "F\n")


if __name__ == "__main__":
    main()
