cd "${TMPDIR:-/tmp}"
{ echo a; echo b; } > r11
{ read x; read y; } < r11
echo "$x$y"
