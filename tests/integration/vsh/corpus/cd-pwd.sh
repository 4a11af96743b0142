cd /
pwd
cd "${TMPDIR:-/tmp}"
[ "$(pwd)" = "$PWD" ] && echo pwd-matches
cd /
echo $PWD
cd - >/dev/null
[ "$PWD" != / ] && echo back
