x=global
f() { local x=local; echo $x; g; }
g() { echo "g sees $x"; }
f
echo $x
