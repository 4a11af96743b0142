cd "${TMPDIR:-/tmp}"
: > qa1; : > qa2
echo "qa*" 'qa?' qa\*
echo qa*
