printf '%s\n' 3 1 2 | while read n; do echo "n$n"; done
