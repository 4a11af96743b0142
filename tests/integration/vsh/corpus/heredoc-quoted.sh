name=world
while read -r l; do echo "$l"; done <<'EOF'
hello $name $(echo no)
EOF
