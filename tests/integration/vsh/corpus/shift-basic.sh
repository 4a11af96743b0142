set -- 1 2 3 4 5
shift
echo "$@"
shift 2
echo "$@"
shift 0
echo $#
