set -- -e -u
echo "$1 $2"
