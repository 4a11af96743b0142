f() { f; }
echo start
