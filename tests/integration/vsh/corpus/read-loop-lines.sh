printf 'l1\nl2\nl3\n' | { n=0; while read l; do n=$((n+1)); done; echo $n; }
