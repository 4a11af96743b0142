cd "${TMPDIR:-/tmp}"
printf 'echo part1\nreturn 3\necho part2\n' > ret.sh
. ./ret.sh
echo "status $?"
