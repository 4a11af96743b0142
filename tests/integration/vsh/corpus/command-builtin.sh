echo() { printf 'func echo\n'; }
echo x
command echo real
unset -f echo
command -v echo
command -v nonexistent_cmd_zz || echo "not found: $?"
