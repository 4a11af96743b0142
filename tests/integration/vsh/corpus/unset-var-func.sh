v=1
f() { :; }
unset v
echo "[${v-gone}]"
unset -f f
type f >/dev/null 2>&1 || echo func-gone
unset -v nothing_at_all; echo $?
