printf 'no-newline' | { read x; echo "status $? [$x]"; }
printf '' | { read x; echo "status $? [$x]"; }
