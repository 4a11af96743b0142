p='h*'
case hello in $p) echo matched var pattern;; esac
case 'h*' in "$p") echo matched literal;; esac
