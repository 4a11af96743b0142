usage() { echo "usage: prog [-v] [-n N] name..." >&2; return 2; }
parse() {
  verbose=0 count=1
  OPTIND=1
  while getopts vn: opt; do
    case $opt in
      v) verbose=1 ;;
      n) count=$OPTARG ;;
      *) usage; return ;;
    esac
  done
  shift $((OPTIND - 1))
  [ $# -gt 0 ] || { usage; return; }
  i=0
  while [ $i -lt $count ]; do
    for name; do
      [ $verbose = 1 ] && printf 'hello, %s (%d)\n' "$name" $i || printf 'hi %s\n' "$name"
    done
    i=$((i + 1))
  done
}
parse -v -n 2 alice bob
parse carol
parse -x 2>/dev/null; echo "status $?"
parse 2>/dev/null; echo "status $?"
