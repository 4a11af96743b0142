f() { echo "$# $1 $2"; shift; echo "$@"; }
set -- outer args
f a b c
echo "$@"
