echo "\a\b\c" | { read -r l; echo "$l"; }
echo "x\
y"
