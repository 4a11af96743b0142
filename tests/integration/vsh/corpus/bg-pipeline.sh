# a background pipeline or and-or list runs beside the shell, not before its next command
echo x | { sleep 1; cat; } &
echo first
wait
sleep 1 && echo and-list &
echo second
wait
! false | { sleep 1; echo negated; } &
echo third
wait $!
echo "status $?"
f() { sleep 1; echo "in f $1"; }
f arg | cat &
echo fourth
wait
