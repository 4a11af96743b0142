set -e
true
false || echo "or saves"
if false; then :; fi
! true
echo still running
false
echo not reached
