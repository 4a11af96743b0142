fact() {
  if [ $1 -le 1 ]; then echo 1; return; fi
  local n=$1
  echo $(( n * $(fact $((n-1))) ))
}
fact 10
