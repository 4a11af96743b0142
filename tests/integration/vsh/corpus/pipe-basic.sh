echo hello | { read x; echo "got $x"; }
