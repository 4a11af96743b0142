f() { local v; v=in; echo $v; }
v=out
f
echo $v
g() { local w=1; }
g
echo "[${w-unset}]"
