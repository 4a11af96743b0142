case y in (y) echo with paren;; esac
case z in
  (a|z) echo alt;;
esac
