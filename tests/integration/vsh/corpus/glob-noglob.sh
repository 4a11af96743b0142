cd "${TMPDIR:-/tmp}"
: > gn_x
set -f
echo gn_*
set +f
echo gn_*
