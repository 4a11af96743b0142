f() { echo from-f; }
f | { read x; echo "[$x]"; }
