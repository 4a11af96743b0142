up() { while read l; do echo "up: $l"; done; }
printf 'a\nb\n' | up
