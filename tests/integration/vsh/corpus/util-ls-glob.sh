# needs: ls
cd "${TMPDIR:-/tmp}"
: > ul_b; : > ul_a
ls ul_*
ls -d ul_a
