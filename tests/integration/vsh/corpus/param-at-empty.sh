set --
for x in "$@"; do echo "got [$x]"; done
echo "n=$#"
f() { echo "$#"; }
f "$@"
f "$*"
f x"$@"y
