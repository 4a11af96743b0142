/bin/true &
wait
echo waited $?
