cd "${TMPDIR:-/tmp}"
echo x > tf
: > te
[ -e tf ] && echo exists
[ -f tf ] && echo regular
[ -s tf ] && echo nonempty
[ -s te ] || echo empty-file
[ -d . ] && echo dir
[ -e missing ] || echo missing
[ -r tf ] && echo readable
