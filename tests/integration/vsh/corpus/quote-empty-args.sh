f() { echo $#; }
f "" ''
f "" a ''
e=
f $e
f "$e"
