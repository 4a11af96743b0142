is_prime() {
  n=$1
  [ $n -lt 2 ] && return 1
  d=2
  while [ $((d * d)) -le $n ]; do
    [ $((n % d)) -eq 0 ] && return 1
    d=$((d + 1))
  done
  return 0
}
list=
for n in $(i=0; while [ $i -lt 40 ]; do echo $i; i=$((i+1)); done); do
  is_prime $n && list="$list $n"
done
echo "primes:$list"
