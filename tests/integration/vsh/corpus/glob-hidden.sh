cd "${TMPDIR:-/tmp}"
: > .gh_hidden; : > gh_visible
echo *gh_*
echo .gh*
