cd "${TMPDIR:-/tmp}"
: > ga_file
d=$(pwd)
for f in "$d"/ga_*; do [ "$f" = "$d/ga_file" ] && echo absolute ok; done
