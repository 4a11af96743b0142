cd "${TMPDIR:-/tmp}"
: > gba; : > gbb; : > gbc; : > gb1
echo gb[ab]
echo gb[!ab]
echo gb[a-c]
echo gb[0-9]
