unset $(export -p 2>/dev/null | while read a b; do :; done)
x=1; export x
export -p | while read line; do case $line in *' x='*) echo "$line";; esac; done
