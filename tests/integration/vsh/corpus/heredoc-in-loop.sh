for i in 1 2; do
  read x <<EOF
value$i
EOF
  echo $x
done
