list='one two three'
for w in $list; do echo "w=$w"; done
for w in "$list"; do echo "w=$w"; done
