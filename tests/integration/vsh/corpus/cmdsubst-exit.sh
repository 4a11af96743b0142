x=$(echo partial; exit 1; echo never)
echo "$x $?"
