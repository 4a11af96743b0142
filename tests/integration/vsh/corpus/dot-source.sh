cd "${TMPDIR:-/tmp}"
echo 'sourced_var=yes; echo "in sourced file"' > lib.sh
. ./lib.sh
echo $sourced_var
