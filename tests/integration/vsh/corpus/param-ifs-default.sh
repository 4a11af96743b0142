printf '%s' "$IFS" | { read -r x; echo "[${#x}]"; }
echo "${#IFS}"
