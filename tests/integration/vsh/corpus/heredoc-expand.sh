name=world
while read -r l; do echo "$l"; done <<EOF
hello $name
sum $((1+2))
cmd $(echo sub)
escaped \$name
EOF
