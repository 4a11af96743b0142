#!/usr/bin/env bash
# A hello program prints through the console; argv arrives; the exit status comes back.
. "$(dirname "$0")/../lib.sh"
run_vrsim hello "$IMAGE" -- /bin/hello one "two words"
expect_eq "hello exit status" "$(status hello)" 0
expect_eq "hello output" "$(out hello)" "Hello from Veridian!
argv[1] = one
argv[2] = two words"
expect_digest_line hello
run_vrsim true "$IMAGE" -- /bin/true
expect_eq "true exit status" "$(status true)" 0
expect_eq "true prints nothing" "$(out true)" ""
# the default image is found next to the binary
run_vrsim default -- /bin/hello
expect_eq "default image" "$(out default | head -n 1)" "Hello from Veridian!"
finish
