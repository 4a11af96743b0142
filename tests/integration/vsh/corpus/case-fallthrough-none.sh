case x in
  x) echo first ;;
  x) echo second ;;
esac
case nomatch in
  a) echo a ;;
esac
echo "status $?"
