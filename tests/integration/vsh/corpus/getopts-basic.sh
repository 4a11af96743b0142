set -- -a -b val -c arg1
while getopts ab:c opt; do
  case $opt in
    a) echo "a";;
    b) echo "b=$OPTARG";;
    c) echo "c";;
  esac
done
shift $((OPTIND-1))
echo "rest: $*"
