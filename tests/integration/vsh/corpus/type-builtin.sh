type echo
type if
f() { :; }
type f
type nonexistent_cmd_zz 2>/dev/null; echo $?
