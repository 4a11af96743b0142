echo start
echo ${x!y}
echo after
