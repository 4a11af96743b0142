cat_() { while IFS= read -r l; do echo "$l"; done; }
cat_ <<EOF
'single' "double" \$not
EOF
