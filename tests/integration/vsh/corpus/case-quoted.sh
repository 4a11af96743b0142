x='*'
case $x in
  "*") echo literal star ;;
  *) echo wildcard ;;
esac
case abc in
  'a'*) echo quoted prefix ;;
esac
