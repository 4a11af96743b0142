read x < /nonexistent/file
echo status $?
echo after
