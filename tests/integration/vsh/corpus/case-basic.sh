for x in foo bar baz qux; do
  case $x in
    foo) echo is-foo ;;
    bar|baz) echo is-bar-or-baz ;;
    *) echo default ;;
  esac
done
