alias hi='echo hello'
alias
unalias hi
alias hi 2>/dev/null || echo unaliased
