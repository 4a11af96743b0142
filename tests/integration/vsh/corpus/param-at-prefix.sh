set -- a b c
for x in "pre$@post"; do echo "[$x]"; done
