for w in apple banana cherry 42 A; do
  case $w in
    [ab]*) echo "$w: a or b" ;;
    *[0-9]) echo "$w: digit" ;;
    [[:upper:]]) echo "$w: upper" ;;
    *) echo "$w: other" ;;
  esac
done
