cd "${TMPDIR:-/tmp}"
: > gq1; : > gq2; : > gq10
echo gq?
echo gq??
