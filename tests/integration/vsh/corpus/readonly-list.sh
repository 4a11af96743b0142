readonly ro1=a
readonly -p | while read a b; do case $b in ro1=*) echo "$a $b";; esac; done
