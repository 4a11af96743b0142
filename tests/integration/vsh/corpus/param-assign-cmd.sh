f() { echo "in f: $v"; }
v=global
v=temp f
echo "after: $v"
