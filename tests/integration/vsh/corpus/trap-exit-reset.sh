trap 'echo one' EXIT
trap - EXIT
echo body
