show() {
  while read -r l; do echo "fn: $l"; done <<END
inside $1
END
}
show arg
show other
