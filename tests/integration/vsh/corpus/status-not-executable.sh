cd "${TMPDIR:-/tmp}"
echo 'echo hi' > notexec
./notexec 2>/dev/null
echo $?
