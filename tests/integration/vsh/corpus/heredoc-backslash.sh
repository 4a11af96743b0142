while read -r l; do echo "$l"; done <<EOF
a\\b \` back
cont\
inued
EOF
