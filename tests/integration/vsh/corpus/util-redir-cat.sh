# needs: cat
cd "${TMPDIR:-/tmp}"
echo one > u1; echo two >> u1
cat u1
cat < u1 > u2; cat u2
cat u1 nonexistent_u9 2>/dev/null; echo "status $?"
