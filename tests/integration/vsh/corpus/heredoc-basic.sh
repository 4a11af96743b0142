while read l; do echo "> $l"; done <<EOF
line one
line two
EOF
