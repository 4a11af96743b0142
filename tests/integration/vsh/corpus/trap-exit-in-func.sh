f() { trap 'echo trap-from-f' EXIT; }
f
echo after-f
