cd /
(cd "${TMPDIR:-/tmp}" && pwd >/dev/null)
pwd
