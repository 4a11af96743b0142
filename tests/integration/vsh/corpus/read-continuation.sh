printf 'first \\\nsecond\n' | { read x; echo "[$x]"; }
