echo gone > /dev/null
echo kept
read x < /dev/null; echo "read: $? [$x]"
