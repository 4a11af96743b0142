echo start
x=$(if)
echo after $?
