/bin/true &
echo "bg status $?"
[ -n "$!" ] && echo has-pid
wait $!
echo "wait status $?"
