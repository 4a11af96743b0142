read a b <<EOF
   lead   and   trail   
EOF
echo "[$a][$b]"
