echo start
. /no/such/file
echo after
