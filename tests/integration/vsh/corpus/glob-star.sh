cd "${TMPDIR:-/tmp}"
: > gs_b; : > gs_a; : > gs_c.txt
echo gs_*
echo gs_*.txt
echo nomatch_*
