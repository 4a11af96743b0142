x="$(echo "a  b")"
echo "$x"
echo "$(echo "$(echo 'deep  nest')")"
