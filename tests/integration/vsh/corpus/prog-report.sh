cd "${TMPDIR:-/tmp}"
cat_() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
cat_ > data <<'EOF2'
apple 3
banana 12
cherry 7
EOF2
total=0 max= maxn=0
while read -r name n; do
  total=$((total + n))
  if [ "$n" -gt "$maxn" ]; then maxn=$n max=$name; fi
done < data
printf 'total=%d max=%s(%d)\n' "$total" "$max" "$maxn"
report() {
  printf '%-8s|%5s\n' NAME COUNT
  while read -r name n; do printf '%-8s|%5d\n' "$name" "$n"; done < data
}
report | while IFS='|' read -r a b; do echo "[$a][$b]"; done
