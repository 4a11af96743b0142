n=0
while read l; do n=$((n+1)); done <<EOF
EOF
echo $n
